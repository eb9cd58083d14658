import { defaultIsoflopMinimum, type IsoflopMinimumEstimator, isoflopMinimumEstimators, LAW_FORMS, lawFormFormula } from "@scalelab/laws"
// Every fitting method, once: its name, what it fits, and where it can be asked for. The spec's
// `fit.methods`, the CLI's `fit --method` and `forecast --method`, and the fitting code all read
// these names; the CLI keeps how each is run in a record keyed by them, so a method added here
// without a way to run it does not type-check.

export interface FitMethodEntry {
  /** What the method fits, as the CLI's --help says it. */
  readonly description: string
  /** A report fits it (a spec's `fit.methods` may name it): it needs only the runs' final results. */
  readonly reported: boolean
  /** It gives compute-optimal allocations, so `forecast --from` can forecast with it. */
  readonly forecasts: boolean
}

export const FIT_METHOD_REGISTRY = {
  isoflop: { description: "each budget's minimum, read as fit.isoflop_minimum says; power laws across", reported: true, forecasts: true },
  parametric: { description: "Chinchilla approach 3", reported: true, forecasts: true },
  envelope: { description: "approach 1, on training curves", reported: false, forecasts: false },
  law: { description: "a law from --law-file", reported: false, forecasts: false },
  downstream: { description: "task NLL, then accuracy", reported: true, forecasts: false }
} as const satisfies Record<string, FitMethodEntry>

export type AnyFitMethod = keyof typeof FIT_METHOD_REGISTRY

type MethodsWhere<Key extends "reported" | "forecasts"> = {
  [M in AnyFitMethod]: (typeof FIT_METHOD_REGISTRY)[M][Key] extends true ? M : never
}[AnyFitMethod]

/** The methods a spec's `fit.methods` may name: those a report (and the end of a sweep) fits. */
export type FitMethod = MethodsWhere<"reported">
/** The methods `forecast --from` forecasts with. */
export type ForecastMethod = MethodsWhere<"forecasts">

const methodsWhere = <Key extends "reported" | "forecasts">(key: Key) =>
  (Object.keys(FIT_METHOD_REGISTRY) as Array<AnyFitMethod>).filter((method) => FIT_METHOD_REGISTRY[method][key]) as Array<
    MethodsWhere<Key>
  >

export const ALL_FIT_METHODS = Object.keys(FIT_METHOD_REGISTRY) as ReadonlyArray<AnyFitMethod>
export const FIT_METHODS: ReadonlyArray<FitMethod> = methodsWhere("reported")
export const FORECAST_METHODS: ReadonlyArray<ForecastMethod> = methodsWhere("forecasts")

/** "name (description), ...", as a --help lists the methods it accepts. */
export const describeFitMethods = (methods: ReadonlyArray<AnyFitMethod>): string =>
  methods.map((method) => `${method} (${FIT_METHOD_REGISTRY[method].description})`).join(", ")

/** Bootstrap resamples: 100,000 already put an 80% interval's ends within a fraction of a percent. */
export const MAX_BOOTSTRAP_RESAMPLES = 100_000
/** What the end of a sweep and a report draw by default: enough for stable 80% intervals, quick at sweep sizes. */
export const DEFAULT_BOOTSTRAP_RESAMPLES = 200

/** What a parametric fit may be asked to fit: a law form, or `auto` (the form with the best leave-largest-out score). */
export const LAW_FORM_CHOICES = ["auto", ...LAW_FORMS] as const
export type LawFormChoice = (typeof LAW_FORM_CHOICES)[number]
/** The form fitted unless asked otherwise (see docs/fitting.md, "Law forms and extrapolation", for the measurement behind it). */
export const DEFAULT_LAW_FORM: LawFormChoice = "chinchilla"

/** "name (formula), ...", as a --help lists the law forms. */
export const describeLawForms = (): string =>
  `auto (the best leave-largest-out score), ${LAW_FORMS.map((form) => `${form} (${lawFormFormula(form)})`).join(", ")}`

export { defaultIsoflopMinimum, type IsoflopMinimumEstimator, isoflopMinimumEstimators }

/**
 * What each way of reading an IsoFLOP budget's minimum does, in a few words, as the spec's
 * `fit.isoflop_minimum` and `fit --isoflop-minimum` say it. The names are the laws' own; one added
 * there without words here does not type-check.
 */
const ISOFLOP_MINIMUM_DESCRIPTIONS: { readonly [E in IsoflopMinimumEstimator]: string } = {
  adaptive: "akima where one parabola misses the curve by more than the noise, parabola otherwise",
  akima: "the lowest point of an Akima spline through each size's mean ln loss",
  window: "the vertex of a parabola through the lowest-loss size and its neighbours",
  parabola: "the vertex of one parabola through all of the budget's runs"
}

/** "name (what it does), ...", in the laws' order. */
export const describeIsoflopMinima = (): string =>
  isoflopMinimumEstimators.map((name) => `${name} (${ISOFLOP_MINIMUM_DESCRIPTIONS[name]})`).join(", ")
