import { describe, expect, it } from "vitest"
import { distinctRuns, largestFirst, makespan, startOrder } from "../src/index.ts"

describe("startOrder", () => {
  it("starts the largest FLOPs first and keeps equal FLOPs in plan order", () => {
    const runs = [
      { id: "a", flops: 1e18 },
      { id: "b", flops: 3e18 },
      { id: "c", flops: 1e18 },
      { id: "d", flops: 3e18 },
      { id: "e", flops: 2e18 }
    ]
    expect(startOrder(runs).map((run) => run.id)).toEqual(["b", "d", "e", "a", "c"])
  })

  it("starts a run listed twice once, at its first place among equals", () => {
    const runs = [
      { id: "a", flops: 1e18 },
      { id: "b", flops: 1e18 },
      { id: "a", flops: 1e18 },
      { id: "c", flops: 2e18 }
    ]
    expect(distinctRuns(runs).map((run) => run.id)).toEqual(["a", "b", "c"])
    expect(startOrder(runs).map((run) => run.id)).toEqual(["c", "a", "b"])
  })

  it("orders by any measure of FLOPs, stably", () => {
    const left = [{ name: "x", left: 2 }, { name: "y", left: 5 }, { name: "z", left: 2 }]
    expect(largestFirst(left, (run) => run.left).map((run) => run.name)).toEqual(["y", "x", "z"])
  })
})

describe("makespan", () => {
  it("lays each next duration on the worker that comes free first", () => {
    expect(makespan([5, 4, 3, 3], 2)).toBe(8) // 5+3 | 4+3
    expect(makespan([5, 4, 3, 3], 1)).toBe(15)
    expect(makespan([5, 4], 8)).toBe(5)
    expect(makespan([3, 3, 2, 2, 2], 2)).toBe(7) // 3+2+2 | 3+2: greedy, not the best split (6)
  })

  it("starts after the workers already busy", () => {
    // Worker 1 free at 2, worker 2 at 0: 5 → w2 (ends 5), 4 → w1 (ends 6), 3 → w2 (ends 8), 3 → w1 (ends 9).
    expect(makespan([5, 4, 3, 3], 2, [2, 0])).toBe(9)
    // Busy workers beyond `workers` still run to the end; none is idle to take the queue early.
    expect(makespan([1], 1, [4, 6])).toBe(6) // 1 → the worker free at 4
    expect(makespan([], 2, [4, 6])).toBe(6)
  })

  it("is zero with nothing to run, and uses one worker when told none", () => {
    expect(makespan([], 2)).toBe(0)
    expect(makespan([2, 3], 0)).toBe(5)
  })
})
