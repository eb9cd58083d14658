// Several experiments' loss laws fitted together with one irreducible loss. Experiments that train
// on the same data with the same tokenizer share its entropy, the loss no model removes; what an
// architecture changes is how fast the reducible terms fall (A, B, α, β), not E. Fitting E once
// from every experiment's runs pins it far better than each small sweep does alone, and the
// compute multiplier between two laws no longer rests on the difference of two poorly fitted floors
// (Krajewski et al. 2024, "Scaling Laws for Fine-Grained Mixture of Experts", fit one irreducible
// term across their variants).
import { LawInputError } from "../lawInputError.ts"
import type { Objective } from "../optim/lbfgs.ts"
import { requirePositive } from "../validate.ts"
import { type LawForm, lawFormDefinition, type LawFormFit, lawFormFitAt, type LawFormParameters } from "./lawForms.ts"
import { minimizeFromStarts } from "./multiStart.ts"
import { chinchillaDelta, logObservations, type ParametricPoint, validatePoints } from "./parametric.ts"
import type { LogObservations } from "./parametricObjective.ts"

/** One experiment of a joint fit: its law form and its runs. */
export interface SharedFloorExperiment {
  readonly form: LawForm
  readonly points: ReadonlyArray<ParametricPoint>
}

export interface SharedFloorFit {
  /** E, the irreducible loss every experiment's law shares. */
  readonly floor: number
  /** Each experiment's law, in the order given, all with E = `floor`; each fit's objective is its own runs' share of the sum. */
  readonly fits: ReadonlyArray<LawFormFit>
  /** Σ over every experiment's runs of Huber_δ(ln L̂ − ln L). */
  readonly objective: number
  readonly starts: number
  readonly converged_starts: number
}

export interface SharedFloorFitOptions {
  /**
   * Each experiment's constants to start from (its own fit, or a joint fit to warm-start a
   * bootstrap refit), in the order of the experiments. Their floors, and `floors`, are the values of
   * E the search starts from, each with every experiment's other constants as given.
   */
  readonly starts: ReadonlyArray<LawFormParameters>
  /** Further values of E to start from. */
  readonly floors?: ReadonlyArray<number>
  /** Huber threshold on the log-loss residual; Hoffmann et al.'s 10⁻³ by default. */
  readonly delta?: number
}

/** Where each experiment's own coordinates sit in the joint vector [ln E, rest of experiment 1, rest of experiment 2, …]. */
interface JointLayout {
  readonly dimension: number
  /** Writes experiment `index`'s coordinates (ln E at its floor coordinate) from the joint vector `z` into `x`. */
  readonly expand: (z: ArrayLike<number>, index: number, x: Float64Array) => void
  /** The joint vector of ln E = `logFloor` and each experiment's coordinates (their own ln E ignored). */
  readonly join: (logFloor: number, coordinates: ReadonlyArray<ArrayLike<number>>) => number[]
}

/** The floor coordinate of a form, or a message saying the form has no floor to share. */
const floorCoordinateOf = (form: LawForm): number => {
  const coordinate = lawFormDefinition(form).floorCoordinate
  if (coordinate === undefined) {
    throw new LawInputError(`the ${form} law form has no irreducible loss to share: fit it separately, or fit a form with one (chinchilla, tied)`)
  }
  return coordinate
}

const jointLayout = (forms: ReadonlyArray<LawForm>): JointLayout => {
  const sizes = forms.map((form) => lawFormDefinition(form).constants.length)
  const floors = forms.map(floorCoordinateOf)
  // Experiment j's own coordinates, less ln E, start at offsets[j] in the joint vector.
  const offsets = sizes.reduce<Array<number>>((starts, size, index) => [...starts, (starts[index] as number) + size - 1], [1])
  return {
    dimension: offsets[forms.length] as number,
    expand: (z, index, x) => {
      const floor = floors[index] as number
      const offset = offsets[index] as number
      for (let i = 0; i < x.length; i++) x[i] = i === floor ? (z[0] as number) : (z[offset + i - (i > floor ? 1 : 0)] as number)
    },
    join: (logFloor, coordinates) => [
      logFloor,
      ...coordinates.flatMap((x, index) => Array.from(x).filter((_, i) => i !== floors[index]))
    ]
  }
}

/**
 * The sum of every experiment's approach-3 objective, with ln E shared: each experiment's own
 * objective (its form's, as fitLawForm minimises it) at its coordinates expanded from the joint
 * vector, its gradient gathered back (ln E's entries summed over the experiments).
 */
const jointObjective = (forms: ReadonlyArray<LawForm>, observations: ReadonlyArray<LogObservations>, delta: number, layout: JointLayout): Objective => {
  const parts = forms.map((form, index) => {
    const definition = lawFormDefinition(form)
    const size = definition.constants.length
    return {
      objective: definition.objective(observations[index] as LogObservations, delta),
      floor: floorCoordinateOf(form),
      x: new Float64Array(size),
      gradient: new Float64Array(size)
    }
  })
  return (z, gradient) => {
    let value = 0
    gradient.fill(0)
    let offset = 1
    parts.forEach((part, index) => {
      layout.expand(z, index, part.x)
      value += part.objective(part.x, part.gradient)
      for (let i = 0; i < part.x.length; i++) {
        if (i === part.floor) gradient[0] = (gradient[0] as number) + (part.gradient[i] as number)
        else gradient[offset++] = part.gradient[i] as number
      }
    })
    return value
  }
}

/** The distinct values of `values`, in order of first appearance. */
const distinct = (values: ReadonlyArray<number>): Array<number> => values.filter((value, index) => values.indexOf(value) === index)

/**
 * Fits every experiment's law with one shared irreducible loss E and its own other constants
 * (A, B, α, β for chinchilla): the sum of their approach-3 objectives (Huber on ln-loss residuals)
 * minimised jointly by L-BFGS over [ln E, each experiment's other coordinates], from every start
 * value of E with each experiment's other constants as given, the lowest kept and polished.
 */
export const fitSharedFloor = (experiments: ReadonlyArray<SharedFloorExperiment>, options: SharedFloorFitOptions): SharedFloorFit => {
  if (experiments.length === 0) throw new LawInputError("a shared-floor fit needs at least one experiment, got none")
  if (options.starts.length !== experiments.length) {
    throw new LawInputError(`a shared-floor fit needs one start per experiment: got ${options.starts.length} starts for ${experiments.length} experiments`)
  }
  const delta = options.delta ?? chinchillaDelta
  requirePositive(delta, "delta")
  const forms = experiments.map((experiment) => experiment.form)
  experiments.forEach((experiment) => validatePoints(experiment.points, lawFormDefinition(experiment.form).constants))
  const layout = jointLayout(forms)
  const observations = experiments.map((experiment) => logObservations(experiment.points))
  const coordinates = experiments.map((experiment, index) => lawFormDefinition(experiment.form).coordinates(options.starts[index] as LawFormParameters))
  const floors = distinct([...options.starts.map((start) => start.E as number), ...(options.floors ?? [])])
  floors.forEach((floor, index) => requirePositive(floor, `start floor ${index}`))
  const starts = floors.map((floor) => layout.join(Math.log(floor), coordinates))
  const minimum = minimizeFromStarts(jointObjective(forms, observations, delta, layout), starts)
  const fits = experiments.map((experiment, index) => {
    const definition = lawFormDefinition(experiment.form)
    const x = new Float64Array(definition.constants.length)
    layout.expand(minimum.x, index, x)
    const own = definition.objective(observations[index] as LogObservations, delta)(x, new Float64Array(x.length))
    return lawFormFitAt(experiment.form, x, observations[index] as LogObservations, { objective: own, starts: minimum.starts, converged: minimum.converged })
  })
  return { floor: Math.exp(minimum.x[0] as number), fits, objective: minimum.value, starts: minimum.starts, converged_starts: minimum.converged }
}
