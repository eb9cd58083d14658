// tfjs-core's Node bundle leaves out the gradient functions (the @tensorflow/tfjs union package
// bundles them in); they ship only as unbundled ES modules. We load just the ones the model's
// backward pass uses: loading all of them cost ~0.6 s of start-up per run, this ~0.1 s.
// A kernel missing here fails loudly on the first step ("gradient function not found for X").
import { register } from "node:module"
import * as tf from "@tensorflow/tfjs-core"
import { matMulGradient } from "./matMulGradient.ts"

const kernelsWithGradients = [
  "Add",
  "Cast",
  "GatherV2",
  "Mean",
  "Multiply",
  "RealDiv", // a mixture of experts' gates, renormalised over the chosen experts
  "Reshape",
  "Rsqrt",
  "Sigmoid",
  "Softmax",
  "SplitV",
  "Square",
  "Sub",
  "Sum", // a mixture of experts' gate normaliser and load-balancing loss
  "Transpose"
] as const

// A Node module resolve hook: those ES modules import their siblings without the ".js" extension,
// which Node's ES loader rejects; add it. Inline (a data: URL) so it loads the same way under any
// TypeScript runner.
const addJsExtensionHook = `
export async function resolve(specifier, context, next) {
  const fromTfjsCore = context.parentURL?.includes("/@tensorflow/tfjs-core/dist/") ?? false
  const extensionless = specifier.startsWith(".") && !specifier.endsWith(".js")
  return next(fromTfjsCore && extensionless ? specifier + ".js" : specifier, context)
}`

let loaded: Promise<void> | undefined

async function loadGradients(): Promise<void> {
  register(`data:text/javascript,${encodeURIComponent(addJsExtensionHook)}`)
  const modules = await Promise.all(
    kernelsWithGradients.map(
      (kernel) => import(`@tensorflow/tfjs-core/dist/gradients/${kernel}_grad.js`) as Promise<Record<string, tf.GradConfig>>
    )
  )
  for (const module of modules) for (const config of Object.values(module)) tf.registerGradient(config)
  tf.registerGradient(matMulGradient)
}

/** Registers the model's gradient functions once per process. */
export function registerGradients(): Promise<void> {
  loaded ??= loadGradients()
  return loaded
}
