// The WebGPU backend trains the model as wasm does: one full training step (loss, the gradient of
// every weight through the model's custom gradients, the AdamW update) agrees within float32
// rounding. WebGPU needs an adapter: CI gets Mesa's software Vulkan driver from scripts/setup.sh.
// A developer without one can skip these tests with SCALELAB_SKIP_WEBGPU=1.
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { jsonLines, runNodeScript } from "./nodeScript.ts"
import type { StepReport } from "./trainingStepOnBackends.ts"

type ComputedStep = Exclude<StepReport, { error: string }>

const skip = process.env["SCALELAB_SKIP_WEBGPU"] === "1"

/** Largest |a − b| over two equally shaped lists of tensors, relative to the largest |b| of each tensor. */
function worstRelativeDifference(a: ReadonlyArray<ReadonlyArray<number>>, b: ReadonlyArray<ReadonlyArray<number>>): number {
  return Math.max(
    ...b.map((tensor, t) => {
      const scale = Math.max(...tensor.map(Math.abs))
      return Math.max(...tensor.map((value, i) => Math.abs((a[t]?.[i] ?? Number.NaN) - value))) / scale
    })
  )
}

function worstAbsoluteDifference(a: ReadonlyArray<ReadonlyArray<number>>, b: ReadonlyArray<ReadonlyArray<number>>): number {
  return Math.max(...b.flatMap((tensor, t) => tensor.map((value, i) => Math.abs((a[t]?.[i] ?? Number.NaN) - value))))
}

describe.skipIf(skip)("a training step on WebGPU", () => {
  let webgpu: StepReport | undefined
  let wasm: StepReport | undefined

  beforeAll(async () => {
    const outFile = join(mkdtempSync(join(tmpdir(), "webgpu-step-")), "reports.jsonl")
    const run = await runNodeScript("test/trainingStepOnBackends.ts", [outFile, "webgpu", "wasm"])
    if (run.code !== 0) throw new Error(`the training step script failed: ${run.stderr}`)
    const reports = jsonLines<StepReport>(readFileSync(outFile, "utf8"))
    webgpu = reports.find((report) => report.backend === "webgpu")
    wasm = reports.find((report) => report.backend === "wasm")
    if (webgpu === undefined || wasm === undefined) throw new Error(`the training step script reported no step: ${run.stderr}`)
  })

  const computed = (): { webgpu: ComputedStep; wasm: ComputedStep } => {
    if (webgpu !== undefined && "error" in webgpu) {
      throw new Error(
        `WebGPU could not start: ${webgpu.error}\nCI installs Mesa's software Vulkan driver (scripts/setup.sh, Debian ` +
          `bookworm). To run the other tests without WebGPU, set SCALELAB_SKIP_WEBGPU=1.`
      )
    }
    if (wasm !== undefined && "error" in wasm) throw new Error(`wasm could not start: ${wasm.error}`)
    return { webgpu: webgpu as ComputedStep, wasm: wasm as ComputedStep }
  }

  it("runs on a WebGPU adapter", () => {
    expect(computed().webgpu.device).not.toBe("")
  })

  it("gives wasm's loss and gradients, to float32 rounding", () => {
    const { webgpu, wasm } = computed()
    expect(wasm.loss).toBeGreaterThan(5) // an untrained byte model: about ln(256) = 5.55
    expect(Math.abs(webgpu.loss - wasm.loss) / wasm.loss).toBeLessThan(1e-5)
    expect(webgpu.gradients.map((g) => g.length)).toEqual(wasm.gradients.map((g) => g.length))
    expect(worstRelativeDifference(webgpu.gradients, wasm.gradients)).toBeLessThan(1e-5)
  })

  it("takes the same AdamW step: loss, gradient norm and updated weights", () => {
    const { webgpu, wasm } = computed()
    expect(webgpu.stepLoss).toBeCloseTo(wasm.stepLoss, 5)
    expect(wasm.gradNorm).toBeGreaterThan(0.1)
    expect(Math.abs(webgpu.gradNorm - wasm.gradNorm) / wasm.gradNorm).toBeLessThan(1e-5)
    // The step moves weights by about lr = 1e-3; a wrong gradient would be off by that much.
    expect(worstAbsoluteDifference(webgpu.parameters, wasm.parameters)).toBeLessThan(1e-5)
  })

  it("adds more tensors at once than one WebGPU shader may bind", () => {
    expect(computed().webgpu.addNOf1To20).toBe(210)
  })
})
