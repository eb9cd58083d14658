// Trained BPE merges kept on disk, so the runs of a sweep (one worker process each) and the planner
// learn them once. The key is a digest of the training texts and the vocabulary size; a file is
// written atomically (atomicFile.ts), so a reader never sees half a file, and two processes that
// train at once simply both write the same content.
import { createHash } from "node:crypto"
import { mkdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { BYTE_VOCABULARY } from "@scalelab/spec"
import { writeFileAtomically } from "@scalelab/spec/atomic-file"
import { type BpeMerges, trainBpe } from "./bpeTraining.ts"

/** Changes whenever training could give other merges for the same text (chunking, tie-breaking). */
const BPE_FORMAT = "bpe1"

function textsDigest(texts: ReadonlyArray<string>): string {
  const hash = createHash("sha256")
  // Each text's length first, so the boundaries between texts are part of what is hashed.
  for (const text of texts) hash.update(`${text.length}:`).update(text)
  return hash.digest("hex")
}

export function bpeCacheFile(cacheDirectory: string, texts: ReadonlyArray<string>, vocab: number): string {
  return join(cacheDirectory, `${BPE_FORMAT}-${textsDigest(texts).slice(0, 32)}-${vocab}.json`)
}

const isMergeList = (value: unknown, vocab: number): value is ReadonlyArray<readonly [number, number]> =>
  Array.isArray(value) &&
  value.length <= vocab - BYTE_VOCABULARY &&
  value.every((merge: unknown, index) =>
    Array.isArray(merge) && merge.length === 2 &&
    merge.every((token: unknown) => Number.isInteger(token) && (token as number) >= 0 && (token as number) < BYTE_VOCABULARY + index)
  )

/** The merges in `file`, or undefined when it is absent or not a merge file for `vocab`. */
function readMerges(file: string, vocab: number): BpeMerges | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"))
  } catch {
    return undefined
  }
  if (parsed === null || typeof parsed !== "object") return undefined
  const { vocab: storedVocab, merges } = parsed as { readonly vocab?: unknown; readonly merges?: unknown }
  return storedVocab === vocab && isMergeList(merges, vocab) ? { vocab, merges } : undefined
}

/**
 * BPE merges for `texts` at `vocab` tokens: read from `cacheDirectory` when it holds them, else
 * trained and stored there (a file that cannot be read back is trained again and replaced). With no
 * folder, trained in memory.
 */
export function bpeMerges(texts: ReadonlyArray<string>, vocab: number, cacheDirectory?: string): BpeMerges {
  if (cacheDirectory === undefined) return trainBpe(texts, vocab)
  const file = bpeCacheFile(cacheDirectory, texts, vocab)
  const cached = readMerges(file, vocab)
  if (cached !== undefined) return cached
  const trained = trainBpe(texts, vocab)
  mkdirSync(cacheDirectory, { recursive: true })
  writeFileAtomically(file, JSON.stringify(trained))
  return trained
}
