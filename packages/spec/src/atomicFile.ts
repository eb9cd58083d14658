// The one way scalelab writes a file that others read while it may be killed: to a temporary
// name in the same folder, flushed to disk, then renamed over the target (atomic on POSIX). A reader,
// or a restart after a kill at any instant, sees the old file or the new one, never half of one;
// two processes writing the same file at once each leave a whole file.
import { randomUUID } from "node:crypto"
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs"

export function writeFileAtomically(file: string, content: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`
  const descriptor = openSync(temporary, "w")
  try {
    writeSync(descriptor, typeof content === "string" ? Buffer.from(content) : content)
    fsyncSync(descriptor)
  } finally {
    closeSync(descriptor)
  }
  renameSync(temporary, file)
}
