// `scalelab data export`: the token streams of a spec's data, or of one planned run, as files for a
// trainer outside scalelab. The streams come from the built-in trainer's own tokenStreams, so the
// two cannot disagree on the corpus, the split, the tokenizer or the packing.
import { Effect } from "effect"
import { readRunSpecFile } from "@scalelab/train"
import { type ExportedRun, type TokenExportMeta, writeTokenExport } from "@scalelab/train/token-export"
import { experimentStreamSettings, runStreamSettings, type StreamSettings, tokenStreams } from "@scalelab/train/training-data"
import { attempt } from "./pureInput.ts"
import { loadSpec } from "./specInput.ts"
import { checkedFolder, defaultStoreDir } from "./storeLocation.ts"
import { tokenizerCacheDir } from "./workerCommand.ts"

/** What to export: an experiment spec's data (YAML), or a planned run's run.json. */
export type ExportSource =
  | { readonly _tag: "Spec"; readonly file: string }
  | { readonly _tag: "Run"; readonly file: string }

const outRole = { flag: "--out", noun: "export folder", holds: "the exported token files" }

interface ExportPlan {
  readonly settings: StreamSettings
  readonly run?: ExportedRun
  /** A spec's store cache, so BPE merges learnt by its sweep (or by this export) are shared. */
  readonly cacheDirectory?: string
}

const exportPlan = (source: ExportSource) =>
  source._tag === "Spec"
    ? Effect.map(loadSpec(source.file), (experiment): ExportPlan => ({
      settings: experimentStreamSettings(experiment.data),
      cacheDirectory: tokenizerCacheDir(defaultStoreDir(source.file))
    }))
    : Effect.map(readRunSpecFile(source.file), (spec): ExportPlan => ({
      settings: runStreamSettings(spec),
      run: { id: spec.id, context: spec.shape.context, val_tokens: spec.data.val_tokens, document_masking: spec.data.document_masking }
    }))

/**
 * Checks the source and the folder, then tokenizes as a run would and writes the files. Bad input
 * (the spec, run.json, a corpus file changed since planning, --out a file) fails before anything is written.
 */
export const exportData = (source: ExportSource, outDir: string) =>
  Effect.gen(function*() {
    const plan = yield* exportPlan(source)
    yield* checkedFolder(outDir, "write", outRole)
    const options = plan.cacheDirectory === undefined ? {} : { cacheDirectory: plan.cacheDirectory }
    const streams = yield* attempt(() => tokenStreams(plan.settings, options))
    return yield* Effect.sync((): TokenExportMeta => writeTokenExport(outDir, plan.settings, streams, plan.run))
  })
