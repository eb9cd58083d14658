// A corpus of the user's text files, one document each. Planning records each file's sha256, so a
// changed file changes the ids of the runs that read it; training checks the digest again, so a run
// never trains on other text than its id stands for.
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import type { FilesRunCorpus } from "@scalelab/spec"
import { Data, Runtime } from "effect"
import type { CorpusDocument } from "./corpusDocument.ts"

export class CorpusFileUnreadableError extends Data.TaggedError("CorpusFileUnreadableError")<{
  readonly path: string
  readonly reason: string
}> {
  override readonly [Runtime.errorExitCode] = 2
  override get message(): string {
    return `Cannot read the corpus file ${this.path} (${this.reason}). Check that it exists and is readable, ` +
      "or change data.corpus."
  }
}

export class CorpusFileChangedError extends Data.TaggedError("CorpusFileChangedError")<{
  readonly path: string
  readonly planned: string
  readonly found: string
}> {
  override readonly [Runtime.errorExitCode] = 2
  override get message(): string {
    return `The corpus file ${this.path} changed since its runs were planned (sha256 ${this.found}, planned ` +
      `${this.planned}). Restore the file, or plan again (\`scalelab run\` gives the new content new runs).`
  }
}

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (error) {
    throw new CorpusFileUnreadableError({ path, reason: error instanceof Error ? error.message : String(error) })
  }
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

/** What a run reads from `paths` (absolute): each file with the digest of its content now. */
export function filesRunCorpus(paths: ReadonlyArray<string>): FilesRunCorpus {
  return { kind: "files", files: paths.map((path) => ({ path, sha256: sha256(readBytes(path)) })) }
}

/** The files' text, decoded as UTF-8 (invalid bytes become U+FFFD); throws if a digest differs. */
export function fileDocuments(corpus: FilesRunCorpus): ReadonlyArray<CorpusDocument> {
  return corpus.files.map(({ path, sha256: planned }) => {
    const bytes = readBytes(path)
    const found = sha256(bytes)
    if (found !== planned) throw new CorpusFileChangedError({ path, planned, found })
    return { title: path, text: bytes.toString("utf8") }
  })
}
