import type { SweepEvent } from "@scalelab/runner"
import type { RunResult } from "@scalelab/spec"
import type { RunSize } from "../src/progress/sweepState.ts"

/** Four planned runs over two budgets; 6·N·D of each is close to its budget. */
export const ids = { a: "aaaaaaaa11111111", b: "bbbbbbbb22222222", c: "cccccccc33333333", d: "dddddddd44444444" } as const
/** Runs an adaptive sweep plans later, known from their BudgetPlanned event. */
export const laterIds = { e: "eeeeeeee55555555", f: "ffffffff66666666" } as const

export const plannedRuns: ReadonlyMap<string, RunSize> = new Map([
  [ids.a, { budget: 1e15, params: 1e6, tokens: 1.6e8 }],
  [ids.b, { budget: 1e15, params: 2e6, tokens: 8e7 }],
  [ids.c, { budget: 1e16, params: 5e6, tokens: 3e8 }],
  [ids.d, { budget: 1e16, params: 1e7, tokens: 1.5e8 }]
])

export const resultOf = (id: string, size: RunSize, valLoss: number, status: RunResult["status"] = "completed"): RunResult => ({
  id,
  status,
  val_loss: valLoss,
  train_loss: valLoss - 0.05,
  params: size.params,
  tokens: size.tokens,
  flops: 6 * size.params * size.tokens,
  steps: 1000,
  backend: "wasm",
  wall_s: 1600,
  tokens_per_s: 1e5
})

/**
 * Two runs training (a at 25% and 1e5 tokens/s, b at 10% with a val_loss and 5e4 tokens/s), c
 * already complete, d queued, and a third budget planned with two runs of unknown size.
 */
export const midSweepEvents: ReadonlyArray<SweepEvent> = [
  { _tag: "RunSkipped", id: ids.c, healed: false },
  { _tag: "RunStarted", id: ids.a, attempt: 1, lr: 3e-3 },
  { _tag: "RunStarted", id: ids.b, attempt: 1, lr: 2e-3 },
  { _tag: "RunProgress", id: ids.a, step: 250, tokens: 4e7, loss: 3.5, tokens_per_s: 1e5 },
  { _tag: "RunProgress", id: ids.b, step: 100, tokens: 8e6, loss: 4, val_loss: 4.1, tokens_per_s: 5e4 },
  {
    _tag: "BudgetPlanned",
    budget: 1e17,
    centre_params: 3e7,
    reason: "fit of budgets 1e15, 1e16",
    runs: [{ id: laterIds.e, params: 2e7, tokens: 8e8 }, { id: laterIds.f, params: 4e7, tokens: 4e8 }]
  }
]

export const finishA: SweepEvent = {
  _tag: "RunFinished",
  id: ids.a,
  attempt: 1,
  seconds: 1600,
  result: resultOf(ids.a, { budget: 1e15, params: 1e6, tokens: 1.6e8 }, 3.2)
}

/** Run b's last attempt fails: it ends failed. */
export const finalFailureB: Extract<SweepEvent, { _tag: "RunAttemptFailed" }> = {
  _tag: "RunAttemptFailed",
  id: ids.b,
  attempt: 2,
  seconds: 12,
  kind: "crashed",
  reason: "worker exited with code 1",
  willRetry: false
}
