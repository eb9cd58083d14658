// A text-file corpus names its files relative to the spec's folder. Loading the spec expands those
// paths and globs into absolute file paths, so what a run reads no longer depends on the folder a
// command was started in. A path or glob that matches no file is a spec problem, located like any other.
import { Effect } from "effect"
import { dirname } from "node:path"
import { globSync } from "tinyglobby"
import type { CorpusSource, FilesCorpus } from "./corpusSource.ts"
import { ANNEALING_BASE, type AnnealingExperiment, annealingCorpora, type MixtureExperiment, type TrainedSpec } from "./experiment.ts"
import { BuiltInCorpus } from "./runContract.ts"
import { SpecError, type SpecIssue } from "./specIssue.ts"
import { closestMatch } from "./suggest.ts"
import { yamlPosition } from "./yamlLocation.ts"

/** The files a path or glob names, relative to `folder`: absolute, sorted. */
export const filesMatching = (pattern: string, folder: string): ReadonlyArray<string> =>
  globSync(pattern, { cwd: folder, absolute: true, onlyFiles: true, expandDirectories: false }).sort()

const unmatchedMessage = (field: string, pattern: string, folder: string): string => {
  const builtIn = closestMatch(pattern, BuiltInCorpus.literals)
  const hint = builtIn === undefined
    ? `check the path (relative to the spec's folder ${folder}), or name a built-in corpus: ${BuiltInCorpus.literals.join(", ")}`
    : `did you mean the built-in corpus \`${builtIn}\`?`
  return `${field}: \`${pattern}\` matches no file; ${hint}`
}

/**
 * A file corpus's paths expanded to the absolute paths of the files they match, in sorted order
 * without repeats; a path matching nothing is an issue located at `field` (+ its index) in `text`.
 */
const expandPaths = (
  corpus: FilesCorpus,
  file: string,
  text: string,
  field: ReadonlyArray<string>
): { readonly corpus: FilesCorpus; readonly issues: ReadonlyArray<SpecIssue> } => {
  const folder = dirname(file)
  const issues: Array<SpecIssue> = []
  const files = new Set<string>()
  corpus.paths.forEach((pattern, index) => {
    const matches = filesMatching(pattern, folder)
    if (matches.length === 0) {
      // A single path is written as a scalar: locating its list index then stops at the scalar itself.
      issues.push({ file, ...yamlPosition(text, [...field, index]), message: unmatchedMessage(field.join("."), pattern, folder) })
    }
    for (const match of matches) files.add(match)
  })
  return { corpus: { kind: "files", paths: [...files].sort() }, issues }
}

const isFiles = (corpus: CorpusSource): corpus is FilesCorpus => typeof corpus !== "string" && corpus.kind === "files"

/**
 * The experiment with a file corpus's paths expanded to the absolute paths of the files they match,
 * in sorted order without repeats. `text` is the spec's text, for locating a path that matches nothing.
 */
export const expandCorpusFiles = <Spec extends TrainedSpec>(experiment: Spec, file: string, text: string): Effect.Effect<Spec, SpecError> =>
  Effect.suspend(() => {
    const corpus = experiment.data.corpus
    if (!isFiles(corpus)) return Effect.succeed(experiment)
    const expanded = expandPaths(corpus, file, text, ["data", "corpus"])
    if (expanded.issues.length > 0) return Effect.fail(new SpecError({ issues: expanded.issues }))
    return Effect.succeed({ ...experiment, data: { ...experiment.data, corpus: expanded.corpus } })
  })

/** A mixture sweep with every file domain's paths expanded as expandCorpusFiles expands `data.corpus`. */
/** Each file corpus of `corpora` expanded (expandPaths), located at `field` + its name. */
const expandDomainFiles = (
  corpora: Readonly<Record<string, CorpusSource>>,
  file: string,
  text: string,
  field: (name: string) => ReadonlyArray<string>
): { readonly corpora: Record<string, CorpusSource>; readonly issues: ReadonlyArray<SpecIssue> } => {
  const issues: Array<SpecIssue> = []
  const expanded = Object.fromEntries(Object.entries(corpora).map(([name, corpus]) => {
    if (!isFiles(corpus)) return [name, corpus]
    const paths = expandPaths(corpus, file, text, field(name))
    issues.push(...paths.issues)
    return [name, paths.corpus]
  }))
  return { corpora: expanded, issues }
}

export const expandMixtureFiles = (experiment: MixtureExperiment, file: string, text: string): Effect.Effect<MixtureExperiment, SpecError> =>
  Effect.suspend(() => {
    const { corpora, issues } = expandDomainFiles(experiment.sweep.corpora, file, text, (name) => ["sweep", "corpora", name])
    if (issues.length > 0) return Effect.fail(new SpecError({ issues }))
    return Effect.succeed({ ...experiment, sweep: { ...experiment.sweep, corpora } })
  })

/** An annealing sweep's default data and candidates with their file paths expanded, as expandMixtureFiles does a mixture's. */
export const expandAnnealingFiles = (experiment: AnnealingExperiment, file: string, text: string): Effect.Effect<AnnealingExperiment, SpecError> =>
  Effect.suspend(() => {
    const { sweep } = experiment
    const { corpora, issues } = expandDomainFiles(
      annealingCorpora(sweep),
      file,
      text,
      (name) => name === ANNEALING_BASE ? ["sweep", "base"] : ["sweep", "candidates", name]
    )
    if (issues.length > 0) return Effect.fail(new SpecError({ issues }))
    const { [ANNEALING_BASE]: base, ...candidates } = corpora
    return Effect.succeed({ ...experiment, sweep: { ...sweep, base: base ?? sweep.base, candidates } })
  })
