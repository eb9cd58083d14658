// AdamW (Loshchilov & Hutter 2019) on the flat parameter vector, with global-norm gradient
// clipping. Written out because tfjs's Adam folds weight decay into the gradient (L2), where AdamW
// decays the weights directly, independent of the adaptive step size.
import * as tf from "@tensorflow/tfjs-core"

export interface AdamWSettings {
  readonly beta1: number
  readonly beta2: number
  readonly eps: number
  readonly weightDecay: number
  readonly gradClip: number // global-norm clip; 0 disables
}

/** The optimiser's whole state: with it (and the step's seed) a run can resume exactly. */
export interface AdamWState {
  readonly step: number // updates applied so far
  readonly parameters: ReadonlyArray<tf.Tensor>
  readonly firstMoment: ReadonlyArray<tf.Tensor>
  readonly secondMoment: ReadonlyArray<tf.Tensor>
}

export function initialAdamWState(parameters: ReadonlyArray<tf.Tensor>): AdamWState {
  return {
    step: 0,
    parameters,
    firstMoment: parameters.map((p) => tf.zerosLike(p)),
    secondMoment: parameters.map((p) => tf.zerosLike(p))
  }
}

export interface AdamWUpdate {
  readonly state: AdamWState
  /** Global norm of the gradient before clipping. */
  readonly gradNorm: tf.Scalar
}

/**
 * One update with learning rate `lr`. `decay[i]` says whether weight decay applies to tensor i.
 * Returns new tensors; the caller disposes the previous state's.
 */
export function adamWUpdate(
  state: AdamWState,
  gradients: ReadonlyArray<tf.Tensor>,
  lr: number,
  decay: ReadonlyArray<boolean>,
  settings: AdamWSettings
): AdamWUpdate {
  const step = state.step + 1
  // Bias corrections folded into scalars: m̂/(√v̂ + ε) = (m/c1) / (√v/√c2 + ε).
  const firstCorrection = 1 - Math.pow(settings.beta1, step)
  const secondCorrection = Math.sqrt(1 - Math.pow(settings.beta2, step))
  return tf.tidy(() => {
    const gradNorm = tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g))))) as tf.Scalar
    const clipScale =
      settings.gradClip > 0 ? tf.minimum(1, tf.div(settings.gradClip, tf.add(gradNorm, 1e-6))) : undefined
    const parameters: Array<tf.Tensor> = []
    const firstMoment: Array<tf.Tensor> = []
    const secondMoment: Array<tf.Tensor> = []
    gradients.forEach((gradient, i) => {
      const clipped = clipScale === undefined ? gradient : tf.mul(gradient, clipScale)
      const m = tf.add(tf.mul(state.firstMoment[i] as tf.Tensor, settings.beta1), tf.mul(clipped, 1 - settings.beta1))
      const v = tf.add(
        tf.mul(state.secondMoment[i] as tf.Tensor, settings.beta2),
        tf.mul(tf.square(clipped), 1 - settings.beta2)
      )
      const denominator = tf.add(tf.div(tf.sqrt(v), secondCorrection), settings.eps)
      const current = state.parameters[i] as tf.Tensor
      const decayed = decay[i] === true ? tf.mul(current, 1 - lr * settings.weightDecay) : current
      parameters.push(tf.sub(decayed, tf.mul(tf.div(m, denominator), lr / firstCorrection)))
      firstMoment.push(m)
      secondMoment.push(v)
    })
    return { state: { step, parameters, firstMoment, secondMoment }, gradNorm }
  })
}

export function disposeAdamWState(state: AdamWState): void {
  tf.dispose([...state.parameters, ...state.firstMoment, ...state.secondMoment])
}
