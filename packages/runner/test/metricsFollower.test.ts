import { Effect } from "effect"
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { followMetrics } from "../src/executor/metricsFollower.ts"

const line = (step: number) => JSON.stringify({ step, tokens: step * 10, flops: step * 60, loss: 5 - step / 10 }) + "\n"

describe("followMetrics", () => {
  it("reports only lines written after it starts, nothing for a resume's cut, and what is appended after it", async () => {
    const runDir = mkdtempSync(join(tmpdir(), "scalelab-follow-"))
    const metrics = join(runDir, "metrics.jsonl")
    writeFileSync(metrics, line(1) + line(2) + line(3))
    const steps = await Effect.runPromise(Effect.gen(function*() {
      const follower = yield* followMetrics(runDir, 0)
      const read = Effect.map(follower.readNew, (lines) => lines.map((metric) => metric.step))
      const seen: Array<ReadonlyArray<number>> = [yield* read]
      appendFileSync(metrics, line(4) + '{"step": 5, "tok')
      seen.push(yield* read) // the partial line waits for its newline
      // A resumed worker cuts the file back to its checkpoint at step 2, then trains on.
      writeFileSync(metrics, line(1) + line(2))
      seen.push(yield* read)
      appendFileSync(metrics, line(3))
      seen.push(yield* read)
      return seen
    }))
    expect(steps).toEqual([[], [4], [], [3]])
  })

  it("fails as hung when no line arrives for the hang timeout, counted from the last line or restart", async () => {
    const runDir = mkdtempSync(join(tmpdir(), "scalelab-follow-"))
    const outcome = await Effect.runPromise(Effect.gen(function*() {
      const follower = yield* followMetrics(runDir, 0.2)
      yield* Effect.sleep("150 millis")
      yield* follower.restartHangClock
      yield* Effect.sleep("150 millis")
      const early = yield* Effect.result(follower.checkAlive)
      yield* Effect.sleep("100 millis")
      const late = yield* Effect.flip(follower.checkAlive)
      return { early: early._tag, late }
    }))
    expect(outcome.early).toBe("Success")
    expect(outcome.late.kind).toBe("hung")
  })
})
