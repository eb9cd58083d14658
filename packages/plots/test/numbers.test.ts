import { describe, expect, it } from "vitest"
import { evaluateLogParabola, logAxisTicks, sampleLogParabola, widenLogRange } from "../src/index.ts"

describe("logAxisTicks", () => {
  it("uses 1-2-5 within about a decade", () => {
    expect(logAxisTicks(1.5e4, 1.1e5)).toEqual([2e4, 5e4, 1e5])
    expect(logAxisTicks(3e-5, 9e-4)).toEqual([5e-5, 1e-4, 2e-4, 5e-4])
  })
  it("uses 1-3 over two or three decades", () => {
    expect(logAxisTicks(5e3, 4e5)).toEqual([1e4, 3e4, 1e5, 3e5])
  })
  it("uses decades only over many decades", () => {
    expect(logAxisTicks(2e3, 5e9)).toEqual([1e4, 1e5, 1e6, 1e7, 1e8, 1e9])
  })
  it("gives no ticks for a domain a log scale cannot show", () => {
    expect(logAxisTicks(0, 10)).toEqual([])
    expect(logAxisTicks(10, 1)).toEqual([])
  })
})

describe("log parabola", () => {
  const parabola = { c0: 10, c1: -4, c2: 0.5 } // minimum at x = 4 (N = 1e4), loss 2

  it("evaluates in log10 of the parameter count", () => {
    expect(evaluateLogParabola(parabola, 100)).toBeCloseTo(4, 12) // 10 - 8 + 2
    expect(evaluateLogParabola(parabola, 1e4)).toBeCloseTo(2, 12)
  })

  it("samples evenly in log space between the ends of the range", () => {
    const samples = sampleLogParabola(parabola, [1e3, 1e5], 5)
    expect(samples.map((sample) => Math.log10(sample.params))).toEqual([3, 3.5, 4, 4.5, 5].map((x) => expect.closeTo(x, 12)))
    expect(samples.map((sample) => sample.loss)).toEqual([2.5, 2.125, 2, 2.125, 2.5].map((loss) => expect.closeTo(loss, 12)))
  })

  it("widens a range by a fraction of its width in log space", () => {
    const [low, high] = widenLogRange([1e3, 1e5], 0.25)
    expect(Math.log10(low)).toBeCloseTo(2.5, 12)
    expect(Math.log10(high)).toBeCloseTo(5.5, 12)
  })
})
