// What every corpus source yields. Its own module so that the sources (fileCorpus.ts,
// markovSource.ts) and corpus.ts, which chooses among them, do not import each other.

export interface CorpusDocument {
  readonly title: string
  readonly text: string
}
