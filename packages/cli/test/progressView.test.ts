import type { SweepEvent } from "@scalelab/runner"
import { describe, expect, it } from "vitest"
import { runSecondsLeft, sweepSecondsLeft } from "../src/progress/eta.ts"
import { eventLine } from "../src/progress/eventLines.ts"
import { eventJsonLine } from "../src/progress/jsonLines.ts"
import { renderFinalSummary, renderLiveFrame } from "../src/progress/liveView.ts"
import { applyEvent, initialSweepState, phaseCounts, type SweepState } from "../src/progress/sweepState.ts"
import { replaceLines } from "../src/progress/terminal.ts"
import { shortDuration, truncate } from "../src/progress/text.ts"
import { finalFailureB, finishA, ids, laterIds, midSweepEvents, plannedRuns } from "./progressFixtures.ts"

const startedAt = 1_000_000
const fold = (events: ReadonlyArray<SweepEvent>, from: SweepState = initialSweepState("smoke", plannedRuns, startedAt)) =>
  events.reduce(applyEvent, from)
const midSweep = fold(midSweepEvents)

describe("sweep state", () => {
  it("counts runs by phase, including runs an adaptive sweep plans later", () => {
    expect(phaseCounts(midSweep)).toEqual({
      queued: 3,
      running: 2,
      retrying: 0,
      finished: 0,
      failed: 0,
      skipped: 1,
      interrupted: 0,
      total: 6
    })
    expect(midSweep.runs.get(laterIds.e)).toEqual({ id: laterIds.e, budget: 1e17, params: 2e7, tokens: 8e8, phase: "queued", attempt: 0 })
  })

  it("keeps the last val_loss and tokens/s when a metric line omits them", () => {
    const state = fold([{ _tag: "RunProgress", id: ids.b, step: 120, tokens: 9.6e6, loss: 3.9 }], midSweep)
    expect(state.runs.get(ids.b)).toMatchObject({ step: 120, tokensDone: 9.6e6, loss: 3.9, valLoss: 4.1, tokensPerS: 5e4 })
  })

  it("adds a run first seen in an event, with no sizes", () => {
    const state = fold([{ _tag: "RunStarted", id: "unplanned", attempt: 1, lr: 1e-3 }], midSweep)
    expect(state.runs.get("unplanned")).toEqual({ id: "unplanned", phase: "running", attempt: 1 })
    expect(eventLine(state, { _tag: "RunStarted", id: "unplanned", attempt: 1, lr: 1e-3 })).toBe("start   unplanned, lr 0.001")
  })
})

describe("ETA", () => {
  it("of a run: tokens left over its tokens/s", () => {
    expect(runSecondsLeft(midSweep.runs.get(ids.a)!)).toBeCloseTo((1.6e8 - 4e7) / 1e5)
    expect(runSecondsLeft(midSweep.runs.get(ids.d)!)).toBeUndefined()
  })

  it("of the sweep from estimates: runs laid on the workers, largest first, as each comes free", () => {
    const estimates = new Map([[ids.a, 1500], [ids.b, 2000], [ids.d, 3000], [laterIds.e, 10_000], [laterIds.f, 10_000]])
    // a and b train at their own speed (1200 s and 1440 s left), then e, f (C=1e17) and d follow
    // their estimates: e after a (11 200 s), f after b (11 440 s), d after e (14 200 s). c was skipped.
    expect(sweepSecondsLeft(midSweep, { estimates, concurrency: 2 })).toBeCloseTo(14_200)
    // With workers to spare, the longest run sets the time.
    expect(sweepSecondsLeft(midSweep, { estimates, concurrency: 8 })).toBe(10_000)
  })

  it("of the sweep from the observed FLOP/s per worker where a run has no estimate", () => {
    // a and b both train at 6·N·tokens/s = 6e11 FLOP/s; e and f have all of 6·N·D = 9.6e16 left, d 9e15.
    const perWorker = 6e11
    const e = 9.6e16 / perWorker
    const d = 9e15 / perWorker
    expect(sweepSecondsLeft(midSweep, { concurrency: 2 })).toBeCloseTo(1200 + e + d)
    // An estimate for d replaces only d's share.
    expect(sweepSecondsLeft(midSweep, { estimates: new Map([[ids.d, 3000]]), concurrency: 2 })).toBeCloseTo(1200 + e + 3000)
  })

  it("of the sweep starts a queued run only when a worker comes free", () => {
    const state = fold([
      { _tag: "RunStarted", id: ids.a, attempt: 1, lr: 3e-3 },
      { _tag: "RunProgress", id: ids.a, step: 250, tokens: 4e7, tokens_per_s: 1e5 }
    ])
    const estimates = new Map([[ids.b, 800], [ids.c, 3000], [ids.d, 3000]])
    expect(sweepSecondsLeft(state, { estimates, concurrency: 1 })).toBeCloseTo(1200 + 800 + 3000 + 3000)
    // Two workers: c on the idle one (3000 s), d after a (4200 s), b after c (3800 s).
    expect(sweepSecondsLeft(state, { estimates, concurrency: 2 })).toBeCloseTo(4200)
  })

  it("is unknown before any run reports its speed, and zero when nothing is left", () => {
    const started = fold([{ _tag: "RunStarted", id: ids.a, attempt: 1, lr: 3e-3 }])
    expect(sweepSecondsLeft(started, { concurrency: 2 })).toBeUndefined()
    const estimates = new Map([[ids.a, 1600], [ids.b, 800], [ids.c, 3000], [ids.d, 3000]])
    expect(sweepSecondsLeft(started, { estimates, concurrency: 2 })).toBe(4600) // a, then c; d, then b
    const allSkipped = fold([...plannedRuns.keys()].map((id) => ({ _tag: "RunSkipped", id, healed: false }) as const))
    expect(sweepSecondsLeft(allSkipped, { concurrency: 2 })).toBe(0)
  })
})

describe("live frame", () => {
  const now = startedAt + 135_000

  it("shows a header and one aligned row per running run", () => {
    expect(renderLiveFrame(midSweep, now, 12_820, { columns: 120 })).toEqual([
      "smoke: 0 done, 2 running, 3 queued, 0 failed, 1 skipped of 6 · 2m15s elapsed · ETA 3h33m",
      "  aaaaaaaa  C=1e15     N=1e6      [████░░░░░░░░░░░░]   25%  step 250     loss 3.500  val ?        1e5 tok/s  ETA 20m00s",
      "  bbbbbbbb  C=1e15     N=2e6      [██░░░░░░░░░░░░░░]   10%  step 100     loss 4.000  val 4.100  50000 tok/s  ETA 24m00s"
    ])
  })

  it("gives a wide terminal a 20-cell bar", () => {
    expect(renderLiveFrame(midSweep, now, undefined, { columns: 200 })[1]).toContain("[█████░░░░░░░░░░░░░░░]   25%")
  })

  it("fits rows to a narrow terminal: the bar goes first, then step, val_loss, tokens/s and loss", () => {
    expect(renderLiveFrame(midSweep, now, 12_820, { columns: 80 })[1])
      .toBe("  aaaaaaaa  C=1e15     N=1e6       25%  loss 3.500    1e5 tok/s  ETA 20m00s")
    const frame = renderLiveFrame(midSweep, now, 12_820, { columns: 60 })
    for (const line of frame) expect(line.length).toBeLessThanOrEqual(59)
    expect(frame[1]).toBe("  aaaaaaaa  C=1e15     N=1e6       25%  ETA 20m00s")
    expect(frame.join("\n")).not.toContain("█")
  })

  it("truncates what still does not fit rather than wrap it", () => {
    const frame = renderLiveFrame(midSweep, now, 12_820, { columns: 40 })
    expect(frame[1]).toBe("  aaaaaaaa  C=1e15     N=1e6       25%…")
    for (const line of frame) expect(line.length).toBeLessThanOrEqual(39)
  })

  it("keeps the essentials and the ETA in a narrow header, cutting the experiment's name first", () => {
    expect(renderLiveFrame(midSweep, now, 12_820, { columns: 60 })[0]).toBe("smoke: 0/6 done, 2 running · ETA 3h33m")
    const longName = { ...midSweep, experiment: "chinchilla-replication-large" }
    expect(renderLiveFrame(longName, now, 12_820, { columns: 41 })[0]).toBe("chinch…: 0/6 done, 2 running · ETA 3h33m")
    expect(renderLiveFrame(longName, now, 12_820, { columns: 20 })[0]).toBe("0/6 done, 2 runnin…")
  })

  it("counts the running runs that do not fit the terminal's height", () => {
    expect(renderLiveFrame(midSweep, now, undefined, { columns: 120, rows: 3 }).slice(1)).toEqual(["  … and 2 more running"])
    expect(renderLiveFrame(midSweep, now, undefined, { columns: 120, rows: 4 })).toHaveLength(3)
  })

  it("shows a run waiting to retry, one not yet reporting, and one of unknown size", () => {
    const state = fold([
      { _tag: "RunAttemptFailed", id: ids.b, attempt: 1, seconds: 3, kind: "hung", reason: "no metric line", willRetry: true },
      { _tag: "RunStarted", id: ids.d, attempt: 2, lr: 1e-3 },
      { _tag: "RunStarted", id: "9999999999999999", attempt: 1, lr: 1e-3 },
      { _tag: "RunProgress", id: "9999999999999999", step: 10, tokens: 1e6, loss: 6 }
    ], midSweep)
    expect(renderLiveFrame(state, now, undefined, { columns: 120 }).slice(2)).toEqual([
      "  bbbbbbbb  C=1e15     N=2e6      attempt 1 failed (hung); retrying",
      "  dddddddd  C=1e16     N=1e7      starting attempt 2",
      "  99999999  C=?        N=?        1e6 tokens  step 10      loss 6.000  val ?          ? tok/s  ETA ?"
    ])
  })
})

describe("final summary", () => {
  it("states the sweep's counts once, plainly", () => {
    const ended = fold([finishA, finalFailureB], midSweep)
    expect(renderFinalSummary(ended, startedAt + 135_000)).toEqual([
      "smoke: 1 done, 1 failed, 1 skipped, 3 not started of 6 runs in 2 min 15 s"
    ])
  })

  it("names runs that were still training when the view closed", () => {
    expect(renderFinalSummary(midSweep, startedAt + 30_000)).toEqual([
      "smoke: 0 done, 1 skipped, 2 still running, 3 not started of 6 runs in 30.0 s",
      "  still running: aaaaaaaa11111111 (C=1e15, N=1e6, D=1.6e8) at 25%",
      "  still running: bbbbbbbb22222222 (C=1e15, N=2e6, D=8e7) at 10%"
    ])
  })
})

describe("event lines", () => {
  it("say what happened to which run, with counts of runs ended", () => {
    const lines = [...midSweepEvents, finishA, finalFailureB].reduce(
      (acc: { state: SweepState; lines: Array<string> }, event) => {
        const state = applyEvent(acc.state, event)
        return { state, lines: [...acc.lines, eventLine(state, event)] }
      },
      { state: initialSweepState("smoke", plannedRuns, startedAt), lines: [] }
    ).lines
    expect(lines).toEqual([
      "skip    cccccccc33333333 (C=1e16, N=5e6, D=3e8) [1/4]: already complete",
      "start   aaaaaaaa11111111 (C=1e15, N=1e6, D=1.6e8), lr 0.003",
      "start   bbbbbbbb22222222 (C=1e15, N=2e6, D=8e7), lr 0.002",
      "running aaaaaaaa11111111 (C=1e15, N=1e6, D=1.6e8): step 250, tokens 4e7 (25%), loss 3.5000, 1e5 tokens/s, ETA 20 min 0 s",
      "running bbbbbbbb22222222 (C=1e15, N=2e6, D=8e7): step 100, tokens 8e6 (10%), loss 4.0000, val_loss 4.1000, " +
      "50000 tokens/s, ETA 24 min 0 s",
      "plan    C=1e17: 2 runs around N*=3e7 (fit of budgets 1e15, 1e16)",
      "done    aaaaaaaa11111111 (C=1e15, N=1e6, D=1.6e8) [2/6] in 26 min 40 s: val_loss 3.2000, 1e5 tokens/s on wasm",
      "failed  bbbbbbbb22222222 (C=1e15, N=2e6, D=8e7) attempt 2 after 12.0 s (crashed): worker exited with code 1"
    ])
  })
})

describe("JSON lines", () => {
  it("carry the tag, an ISO time and the event's fields; a non-finite loss is null", () => {
    const line = eventJsonLine({ _tag: "RunProgress", id: ids.a, step: 7, tokens: 3e4, loss: Number.NaN, tokens_per_s: 2e3 }, 0)
    expect(JSON.parse(line)).toEqual({
      event: "RunProgress",
      time: "1970-01-01T00:00:00.000Z",
      id: ids.a,
      step: 7,
      tokens: 3e4,
      loss: null,
      tokens_per_s: 2e3
    })
  })
})

describe("text helpers", () => {
  it("write durations compactly and cut lines with an ellipsis", () => {
    expect([shortDuration(42.4), shortDuration(185), shortDuration(7500)]).toEqual(["42s", "3m05s", "2h05m"])
    expect(truncate("abcdef", 4)).toBe("abc…")
    expect(truncate("abc", 4)).toBe("abc")
  })

  it("redraw a block by moving up over it and erasing to the end of the screen", () => {
    expect(replaceLines(0, ["a"])).toBe("a\n")
    expect(replaceLines(2, ["done x", "header"])).toBe("\r\x1b[2A\x1b[Jdone x\nheader\n")
  })
})
