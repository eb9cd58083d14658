import { describe, expect, it } from "vitest"
import { closestMatch, editDistance } from "../src/suggest.ts"

describe("editDistance", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("kitten", "sitting")).toBe(3)
    expect(editDistance("", "abc")).toBe(3)
    expect(editDistance("same", "same")).toBe(0)
  })

  it("counts a swap of adjacent letters as one edit", () => {
    expect(editDistance("ab", "ba")).toBe(1)
    expect(editDistance("trainign", "training")).toBe(1)
  })
})

describe("closestMatch", () => {
  const keys = ["budgets", "sizes_per_budget", "span", "centre", "seeds"]
  it("suggests the nearest key for a typo", () => {
    expect(closestMatch("sizes_per_budgt", keys)).toBe("sizes_per_budget")
    expect(closestMatch("budget", keys)).toBe("budgets")
    expect(closestMatch("center", keys)).toBe("centre")
    expect(closestMatch("Seeds", keys)).toBe("seeds")
  })

  it("suggests nothing when no key is close", () => {
    expect(closestMatch("colour", keys)).toBeUndefined()
    expect(closestMatch("x", ["name"])).toBeUndefined()
  })
})
