import { Effect } from "effect"
import { type SpecOfKind, specOfKind } from "@scalelab/spec"
import { loadSpecOfAnyKind, loadTrackedSpec } from "@scalelab/sweep"

/** The experiment a spec's runs are stored under. */
export const experimentNameOf = (kind: SpecOfKind): string => {
  switch (kind._tag) {
    case "Table":
      return kind.table.name
    case "Mixture":
      return kind.mixture.name
    case "Annealing":
      return kind.annealing.name
    case "Trained":
    case "Hyperparameters":
      return kind.experiment.name
  }
}

/**
 * A spec whose runs scalelab trains and stores, of any sweep kind, for `runs` and `ui`. A table
 * tracks no runs: loadTrackedSpec names that problem at its line.
 */
export const loadWatchedSpec = (file: string) =>
  Effect.gen(function*() {
    const kind = specOfKind(yield* loadSpecOfAnyKind(file))
    if (kind._tag === "Table") yield* loadTrackedSpec(file)
    return kind
  })
