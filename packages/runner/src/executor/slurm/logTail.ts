// The end of a job's worker.log, for failure messages. Slurm writes the file on the compute node;
// the coordinator reads it over the shared file system.
import { Effect } from "effect"
import { open } from "node:fs/promises"

// Enough for the last lines of any sane log without reading a huge one whole.
const tailBytes = 64 * 1024

export const readLogTail = (logFile: string, lines: number): Effect.Effect<string> =>
  Effect.tryPromise(async () => {
    const handle = await open(logFile, "r").catch(() => undefined)
    if (handle === undefined) return ""
    try {
      const { size } = await handle.stat()
      const length = Math.min(size, tailBytes)
      const buffer = Buffer.alloc(length)
      await handle.read(buffer, 0, length, size - length)
      const text = buffer.toString("utf8").trimEnd()
      return text.split("\n").slice(-lines).join("\n")
    } finally {
      await handle.close()
    }
  }).pipe(Effect.orElseSucceed(() => ""))
