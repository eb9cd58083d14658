import { Context, Effect, Layer } from "effect"
import { existsSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { databasePath, RunStore } from "../src/index.ts"
import { freshStoreDir, makeRun } from "./fixtures.ts"
import { localAttempt, resultOf, withDatabaseFile, withStore } from "./storeFixtures.ts"

const readOnly = <A, E>(storeDir: string, body: Effect.Effect<A, E, RunStore>) =>
  Effect.runPromise(body.pipe(Effect.provide(RunStore.readOnlyLayer(storeDir))))

const metricLines = [{ step: 2, tokens: 20, flops: 2, loss: 3.5 }, { step: 1, tokens: 10, flops: 1, loss: 4 }]

describe("RunStore read-only, for watching a sweep", () => {
  it("lists experiments and a completed run's metric lines by step; a running run has none yet", async () => {
    const storeDir = freshStoreDir()
    const [done, running] = [makeRun(0), makeRun(1)]
    await withStore(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      yield* store.upsertExperiment("toy", null)
      yield* store.upsertExperiment("alpha", null)
      yield* store.recordPlanned([done, running])
      yield* store.markCompleted(done.id, yield* store.startAttempt(done.id, localAttempt), resultOf(done), metricLines)
      yield* store.startAttempt(running.id, localAttempt)
    }))

    const seen = await readOnly(storeDir, Effect.gen(function*() {
      const store = yield* RunStore
      return {
        experiments: (yield* store.experiments()).map((row) => row.name),
        doneMetrics: yield* store.metrics(done.id),
        runningMetrics: yield* store.metrics(running.id),
        statuses: (yield* store.listRuns("toy")).map((row) => row.status)
      }
    }))
    expect(seen).toEqual({
      experiments: ["alpha", "toy"],
      doneMetrics: [metricLines[1], metricLines[0]],
      runningMetrics: [],
      statuses: ["completed", "running"]
    })
  })

  it("reads while a writer holds the store open, and refuses writes", async () => {
    const storeDir = freshStoreDir()
    const run = makeRun(0)
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const writing = Context.get(yield* Layer.build(RunStore.layer(storeDir)), RunStore)
      yield* writing.upsertExperiment("toy", null)
      yield* writing.recordPlanned([run])
      const failure = yield* Effect.flip(Effect.gen(function*() {
        const reading = yield* RunStore
        expect((yield* reading.listRuns()).map((row) => row.id)).toEqual([run.id])
        return yield* reading.upsertExperiment("other", null)
      }).pipe(Effect.provide(RunStore.readOnlyLayer(storeDir))))
      expect(failure.message).toMatch(/Cannot read or write the run store/)
    })))
  })

  it("does not create a store that is not there, nor migrate an old one", async () => {
    const storeDir = freshStoreDir()
    const missing = await Effect.runPromise(Effect.flip(Effect.scoped(Layer.build(RunStore.readOnlyLayer(storeDir)))))
    expect(missing._tag).toBe("StoreError")
    expect(existsSync(databasePath(storeDir))).toBe(false)

    await withStore(storeDir, RunStore.use((store) => store.upsertExperiment("toy", null)))
    withDatabaseFile(storeDir, (db) => db.pragma("user_version = 1"))
    const old = await Effect.runPromise(Effect.flip(Effect.scoped(Layer.build(RunStore.readOnlyLayer(storeDir)))))
    expect(old.message).toContain("older than this scalelab's")
    withDatabaseFile(storeDir, (db) => expect(Number(db.pragma("user_version", { simple: true }))).toBe(1))
  })
})
