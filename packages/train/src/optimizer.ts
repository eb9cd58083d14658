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
  readonly parameters: tf.Tensor1D
  readonly firstMoment: tf.Tensor1D
  readonly secondMoment: tf.Tensor1D
}

export function initialAdamWState(parameters: tf.Tensor1D): AdamWState {
  return {
    step: 0,
    parameters,
    firstMoment: tf.zerosLike(parameters),
    secondMoment: tf.zerosLike(parameters)
  }
}

export interface AdamWUpdate {
  readonly state: AdamWState
  /** Norm of the gradient before clipping. */
  readonly gradNorm: tf.Scalar
}

/**
 * One update with learning rate `lr`. `decayMask` is 1 where weight decay applies. Returns new
 * tensors; the caller disposes the previous state's.
 */
export function adamWUpdate(
  state: AdamWState,
  gradient: tf.Tensor1D,
  lr: number,
  decayMask: tf.Tensor1D,
  settings: AdamWSettings
): AdamWUpdate {
  const step = state.step + 1
  const [parameters, firstMoment, secondMoment, gradNorm] = tf.tidy(() => {
    const gradNorm = tf.sqrt(tf.sum(tf.square(gradient)))
    const clipped =
      settings.gradClip > 0
        ? tf.mul(gradient, tf.minimum(1, tf.div(settings.gradClip, tf.add(gradNorm, 1e-6))))
        : gradient
    const firstMoment = tf.add(tf.mul(state.firstMoment, settings.beta1), tf.mul(clipped, 1 - settings.beta1))
    const secondMoment = tf.add(
      tf.mul(state.secondMoment, settings.beta2),
      tf.mul(tf.square(clipped), 1 - settings.beta2)
    )
    // Bias corrections folded into scalars: m̂/(√v̂ + ε) = (m/c1) / (√v/√c2 + ε).
    const firstCorrection = 1 - Math.pow(settings.beta1, step)
    const secondCorrection = Math.sqrt(1 - Math.pow(settings.beta2, step))
    const denominator = tf.add(tf.div(tf.sqrt(secondMoment), secondCorrection), settings.eps)
    const decayed = tf.mul(state.parameters, tf.sub(1, tf.mul(decayMask, lr * settings.weightDecay)))
    const parameters = tf.sub(decayed, tf.mul(tf.div(firstMoment, denominator), lr / firstCorrection))
    return [parameters, firstMoment, secondMoment, gradNorm] as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Scalar]
  })
  return { state: { step, parameters, firstMoment, secondMoment }, gradNorm }
}

export function disposeAdamWState(state: AdamWState): void {
  tf.dispose([state.parameters, state.firstMoment, state.secondMoment])
}
