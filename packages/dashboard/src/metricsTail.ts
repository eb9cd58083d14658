import { MetricLine } from "@scalelab/spec"
import { RunFolderError } from "@scalelab/runner"
import { Effect, Option, Schema } from "effect"
import { closeSync, fstatSync, openSync, readSync } from "node:fs"

/** What a run's metrics.jsonl gained since the last read. */
export interface MetricsChunk {
  /** The lines replace everything read before: the first read, or the file was rewritten shorter. */
  readonly reset: boolean
  readonly lines: ReadonlyArray<MetricLine>
}

const decodeMetricLine = Schema.decodeUnknownOption(Schema.fromJsonString(MetricLine))

const newline = 0x0a

const isMissingFile = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT"

/**
 * Follows one run folder's metrics.jsonl while its worker appends to it. Only whole lines are
 * taken: a line still being written is read on a later call. A worker resuming from a checkpoint
 * rewrites the file without the lines past it, so a file shorter than what was read starts over.
 */
export const makeMetricsTail = (file: string) => {
  let offset = 0
  let started = false

  const readAppended = (): MetricsChunk => {
    let descriptor: number
    try {
      descriptor = openSync(file, "r")
    } catch (error) {
      if (!isMissingFile(error)) throw error
      const reset = !started || offset > 0
      started = true
      offset = 0
      return { reset, lines: [] }
    }
    try {
      const size = fstatSync(descriptor).size
      const reset = !started || size < offset
      started = true
      if (size < offset) offset = 0
      const bytes = Buffer.alloc(size - offset)
      const read = readSync(descriptor, bytes, 0, bytes.length, offset)
      const complete = bytes.subarray(0, bytes.subarray(0, read).lastIndexOf(newline) + 1)
      offset += complete.length
      const lines = complete.toString("utf8").split("\n").flatMap((line) => Option.toArray(decodeMetricLine(line)))
      return { reset, lines }
    } finally {
      closeSync(descriptor)
    }
  }

  return {
    /** The whole lines appended since the last call (everything, on the first). */
    read: Effect.try({ try: readAppended, catch: (cause) => new RunFolderError({ path: file, cause }) }),
    /** The next read returns the whole file again: a new attempt started. */
    restart: Effect.sync(() => {
      offset = 0
      started = false
    })
  }
}

export type MetricsTail = ReturnType<typeof makeMetricsTail>
