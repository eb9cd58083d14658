// Learning rate at each optimiser step. The cosine cycle spans exactly the run's own steps:
// Chinchilla (Hoffmann et al. 2022, §3 and Fig. A1) found that a cycle longer than the run
// overestimates its final loss and biases the fitted law.

export interface ScheduleSettings {
  readonly kind: "cosine" | "constant" | "linear"
  readonly peak: number
  readonly warmup: number // fraction of the run's steps in linear warmup
  readonly minFraction: number // cosine and linear decay end at peak · minFraction
}

/** Learning rate for step (0-based) of a run of `steps` steps. */
export function learningRateAt(step: number, steps: number, settings: ScheduleSettings): number {
  const warmupSteps = Math.round(settings.warmup * steps)
  if (step < warmupSteps) return (settings.peak * (step + 1)) / warmupSteps
  if (settings.kind === "constant") return settings.peak
  const decaySteps = steps - 1 - warmupSteps
  const progress = decaySteps > 0 ? (step - warmupSteps) / decaySteps : 1
  const floor = settings.peak * settings.minFraction
  // Linear: an annealing probe's decay to zero (Llama 3 §3.1.3), or the end of a warmup-stable-decay run.
  if (settings.kind === "linear") return settings.peak - (settings.peak - floor) * progress
  return floor + 0.5 * (settings.peak - floor) * (1 + Math.cos(Math.PI * progress))
}
