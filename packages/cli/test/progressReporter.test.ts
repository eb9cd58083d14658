import { Cause, Effect, Exit, Scope } from "effect"
import { TestClock } from "effect/testing"
import type { SweepEvent } from "@scalelab/runner"
import { describe, expect, it } from "vitest"
import {
  chooseProgressMode,
  makeProgressReporter,
  type ProgressMode,
  type ProgressOutput,
  type ProgressReporter
} from "../src/progress/progressReporter.ts"
import { finalFailureB, finishA, ids, midSweepEvents, plannedRuns } from "./progressFixtures.ts"

const hideCursor = "\x1b[?25l"
const showCursor = "\x1b[?25h"

/** An output that records each write, as a terminal of 120 columns and 20 rows. */
const recordingOutput = () => {
  const writes: Array<string> = []
  const out: ProgressOutput = { write: (text) => void writes.push(text), columns: 120, rows: 20 }
  return { out, writes, text: () => writes.join("") }
}

/**
 * Runs `use` with a reporter in its own scope, under a test clock that starts at 0. A failed
 * `expect` inside `use` is a defect: it is thrown again here so the test fails.
 */
const withReporter = <A, E>(
  mode: ProgressMode,
  use: (reporter: ProgressReporter, writes: ReadonlyArray<string>) => Effect.Effect<A, E>
) => {
  const { out, writes } = recordingOutput()
  const program = Effect.scoped(
    Effect.flatMap(makeProgressReporter({ mode, experiment: "smoke", runs: plannedRuns, concurrency: 2, out }), (reporter) =>
      use(reporter, writes))
  )
  return Effect.runPromise(
    Effect.gen(function*() {
      const exit = yield* Effect.exit(program)
      if (Exit.isFailure(exit) && Cause.hasDies(exit.cause)) throw Cause.squash(exit.cause)
      // The ticker must have stopped with the scope: time passing writes nothing more.
      const writesAtClose = writes.length
      yield* TestClock.adjust("5 seconds")
      expect(writes.length).toBe(writesAtClose)
      return { exit, writes, text: writes.join("") }
    }).pipe(Effect.provide(TestClock.layer()))
  )
}

const progress = (id: string, tokens: number): SweepEvent => ({
  _tag: "RunProgress",
  id,
  step: tokens / 1e5,
  tokens,
  loss: 3,
  tokens_per_s: 1e5
})
const startA: SweepEvent = { _tag: "RunStarted", id: ids.a, attempt: 1, lr: 3e-3 }
const retriedFailureB: SweepEvent = { ...finalFailureB, attempt: 1, willRetry: true }

describe("chooseProgressMode", () => {
  it("prefers json, then quiet, then live on a terminal and lines elsewhere", () => {
    expect(chooseProgressMode({ json: true, quiet: true, isTTY: true })).toBe("json")
    expect(chooseProgressMode({ json: false, quiet: true, isTTY: true })).toBe("quiet")
    expect(chooseProgressMode({ json: false, quiet: false, isTTY: true })).toBe("live")
    expect(chooseProgressMode({ json: false, quiet: false, isTTY: false })).toBe("lines")
  })

  it("takes process.stdout as its output", () => {
    const stdout: ProgressOutput = process.stdout
    expect(typeof stdout.write).toBe("function")
  })
})

describe("lines mode", () => {
  it("writes a progress line per run at most every 30 s or every 10% of its tokens", async () => {
    // a trains 1.6e8 tokens, so 10% is 1.6e7.
    const timeline: ReadonlyArray<readonly [seconds: number, tokens: number]> = [
      [1, 1e6], [2, 1.5e7], [3, 1.7e7], [10, 2e7], [33, 2.1e7], [34, 3.3e7], [35, 3.8e7]
    ]
    const { text } = await withReporter("lines", (reporter) =>
      Effect.gen(function*() {
        yield* reporter.onEvent(startA)
        let clock = 0
        for (const [seconds, tokens] of timeline) {
          yield* TestClock.adjust(`${seconds - clock} seconds`)
          clock = seconds
          yield* reporter.onEvent(progress(ids.a, tokens))
        }
        yield* reporter.onEvent(finishA)
      }))
    const lines = text.trimEnd().split("\n")
    expect(lines.filter((line) => line.startsWith("running ")).map((line) => /tokens (\S+)/.exec(line)?.[1])).toEqual([
      "1.7e7",
      "2.1e7",
      "3.8e7"
    ])
    expect(lines[0]).toBe("start   aaaaaaaa11111111 (C=1e15, N=1e6, D=1.6e8), lr 0.003")
    expect(lines.at(-1)).toMatch(/^done {4}aaaaaaaa11111111 .* \[1\/4\] in 26 min 40 s/)
    expect(text).not.toContain("\x1b")
  })

  it("starts a retried run's throttle afresh from its checkpoint's tokens", async () => {
    const { text } = await withReporter("lines", (reporter) =>
      Effect.gen(function*() {
        yield* reporter.onEvent(startA)
        yield* reporter.onEvent(progress(ids.a, 5e7))
        yield* reporter.onEvent({ ...startA, attempt: 2 })
        yield* reporter.onEvent(progress(ids.a, 6e7))
        yield* reporter.onEvent(progress(ids.a, 6.6e7))
      }))
    expect(text.split("\n").filter((line) => line.startsWith("running ")).map((line) => /tokens (\S+)/.exec(line)?.[1]))
      .toEqual(["5e7", "6.6e7"])
  })
})

describe("json mode", () => {
  it("writes every event as one JSON line and nothing else", async () => {
    const events = [...midSweepEvents, finishA, retriedFailureB, finalFailureB]
    const { text } = await withReporter("json", (reporter) =>
      Effect.gen(function*() {
        for (const event of events) {
          yield* TestClock.adjust("1 second")
          yield* reporter.onEvent(event)
        }
      }))
    const lines = text.trimEnd().split("\n")
    expect(lines).toHaveLength(events.length)
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(parsed.map((line) => line.event)).toEqual(events.map((event) => event._tag))
    expect(parsed[0]?.time).toBe("1970-01-01T00:00:01.000Z")
    expect(parsed[4]).toEqual({
      event: "RunProgress",
      time: "1970-01-01T00:00:05.000Z",
      id: ids.b,
      step: 100,
      tokens: 8e6,
      loss: 4,
      val_loss: 4.1,
      tokens_per_s: 5e4
    })
    expect(parsed.at(-1)).toMatchObject({ event: "RunAttemptFailed", kind: "crashed", willRetry: false, attempt: 2 })
    expect(parsed[6]).toMatchObject({ event: "RunFinished", result: { val_loss: 3.2, backend: "wasm" } })
  })
})

describe("quiet mode", () => {
  it("writes only runs that failed their last attempt", async () => {
    const { text } = await withReporter("quiet", (reporter) =>
      Effect.forEach([...midSweepEvents, finishA, retriedFailureB, finalFailureB], reporter.onEvent, { discard: true }))
    expect(text).toBe(
      "failed  bbbbbbbb22222222 (C=1e15, N=2e6, D=8e7) attempt 2 after 12.0 s (crashed): worker exited with code 1\n"
    )
  })
})

describe("live mode", () => {
  it("redraws the view in place, keeps finished runs above it, and closes with the final state", async () => {
    const { writes, text } = await withReporter("live", (reporter, writes) =>
      Effect.gen(function*() {
        yield* Effect.forEach(midSweepEvents, reporter.onEvent, { discard: true })
        yield* TestClock.adjust("250 millis")
        expect(writes[0]?.startsWith(hideCursor)).toBe(true)
        const frame = writes.at(-1) ?? ""
        expect(frame).toContain("smoke: 0 done, 2 running, 3 queued, 0 failed, 1 skipped of 6 · 0s elapsed")
        expect(frame).toContain("  aaaaaaaa  C=1e15     N=1e6      [")
        // The skip and the new budget scroll above the view; starts and progress do not.
        expect(frame).toContain("skip    cccccccc33333333")
        expect(frame).toContain("plan    C=1e17: 2 runs")
        expect(frame).not.toContain("start   ")

        yield* reporter.onEvent(finishA)
        yield* TestClock.adjust("250 millis")
        // Up over the header and two rows, erase, the finished line, then the view without a.
        const redraw = writes.at(-1) ?? ""
        expect(redraw.startsWith("\r\x1b[3A\x1b[J" + "done    aaaaaaaa11111111")).toBe(true)
        expect(redraw).toContain("smoke: 1 done, 1 running, 3 queued, 0 failed, 1 skipped of 6")
        expect(redraw).not.toContain("  aaaaaaaa  ")
        expect(redraw).not.toContain(hideCursor)
        yield* reporter.onEvent(finalFailureB)
      }))
    const close = writes.at(-1) ?? ""
    // The view (header and b's row) goes, b's failure and the final state stay, and the cursor returns.
    expect(close).toBe(
      "\r\x1b[2A\x1b[J" +
        "failed  bbbbbbbb22222222 (C=1e15, N=2e6, D=8e7) attempt 2 after 12.0 s (crashed): worker exited with code 1\n" +
        "smoke: 1 done, 1 failed, 1 skipped, 3 not started of 6 runs in 0.5 s\n" +
        showCursor
    )
    expect(text.split(hideCursor)).toHaveLength(2)
  })

  it("redraws at most 4 times a second however many events arrive", async () => {
    const { writes } = await withReporter("live", (reporter, writes) =>
      Effect.gen(function*() {
        yield* reporter.onEvent(startA)
        yield* TestClock.adjust("250 millis")
        const before = writes.length
        for (let i = 1; i <= 20; i++) {
          yield* reporter.onEvent(progress(ids.a, i * 1e6))
          yield* reporter.onEvent(progress(ids.a, i * 1e6 + 5e5))
          yield* TestClock.adjust("50 millis")
        }
        expect(writes.length - before).toBe(4)
      }))
    expect(writes.at(-1)).toContain("still running: aaaaaaaa11111111 (C=1e15, N=1e6, D=1.6e8) at 12%")
  })

  it("does not redraw when nothing on screen would change", async () => {
    await withReporter("live", (_, writes) =>
      Effect.gen(function*() {
        yield* TestClock.adjust("250 millis")
        const afterFirst = writes.length
        yield* TestClock.adjust("500 millis")
        expect(writes.length).toBe(afterFirst)
        yield* TestClock.adjust("500 millis")
        expect(writes.length).toBe(afterFirst + 1) // the elapsed seconds went from 0s to 1s
      }))
  })

  it("restores the cursor and prints the final state when the sweep fails or is interrupted", async () => {
    const failed = await withReporter("live", (reporter) =>
      Effect.gen(function*() {
        yield* reporter.onEvent(startA)
        yield* reporter.onEvent(progress(ids.a, 4e7))
        yield* TestClock.adjust("250 millis")
        return yield* Effect.fail("the store went away")
      }))
    expect(failed.exit._tag).toBe("Failure")
    expect(failed.writes.at(-1)).toBe(
      "\r\x1b[2A\x1b[J" +
        "smoke: 0 done, 1 still running, 3 not started of 4 runs in 0.3 s\n" +
        "  still running: aaaaaaaa11111111 (C=1e15, N=1e6, D=1.6e8) at 25%\n" +
        showCursor
    )

    const interrupted = await withReporter("live", (reporter) =>
      Effect.gen(function*() {
        yield* reporter.onEvent(startA)
        yield* TestClock.adjust("250 millis")
        yield* reporter.onEvent({ _tag: "RunInterrupted", id: ids.a, attempt: 1 })
        return yield* Effect.interrupt
      }))
    expect(interrupted.exit._tag).toBe("Failure")
    expect(interrupted.text.endsWith(
      "stopped aaaaaaaa11111111 (C=1e15, N=1e6, D=1.6e8) attempt 1: interrupted; it checkpointed and resumes on the next run\n" +
        "smoke: 0 done, 1 interrupted, 3 not started of 4 runs in 0.3 s\n" +
        showCursor
    )).toBe(true)
  })

  it("closes cleanly when the scope closes before the first redraw", async () => {
    const scope = Scope.makeUnsafe()
    const { out, text } = recordingOutput()
    await Effect.runPromise(
      Effect.gen(function*() {
        yield* Scope.provide(scope)(makeProgressReporter({ mode: "live", experiment: "smoke", runs: plannedRuns, concurrency: 2, out }))
        yield* Scope.close(scope, Exit.void)
      }).pipe(Effect.provide(TestClock.layer()))
    )
    expect(text().endsWith(`smoke: 0 done, 4 not started of 4 runs in 0.0 s\n${showCursor}`)).toBe(true)
  })
})
