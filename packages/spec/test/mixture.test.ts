import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Exit, Result } from "effect"
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { decodeExperimentText, decodeSpecText, formatSpecIssue, loadExperimentSpec, SpecError, type MixtureExperiment, mixtureWeights, specOfKind } from "../src/index.ts"
import { simplexLattice } from "@scalelab/laws"

const spec = (weights: string, extra = "") => `name: mix
sweep:
  kind: mixture
  corpora:
    moby: moby-dick
    sotu: sotu
    markov: { kind: markov, documents: 50 }
  weights: ${weights}
  budgets: [1e11, 3e11]
${extra}`

const mixtureOf = (text: string): MixtureExperiment => {
  const decoded = decodeSpecText(text, "mix.yaml")
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.issues.map(formatSpecIssue).join("\n"))
  const kind = specOfKind(decoded.success)
  if (kind._tag !== "Mixture") throw new Error(`decoded as ${kind._tag}`)
  return kind.mixture
}

const issuesOf = (text: string) => {
  const decoded = decodeSpecText(text, "mix.yaml")
  if (Result.isSuccess(decoded)) throw new Error("decoded without issues")
  return decoded.failure.issues.map(formatSpecIssue)
}

describe("sweep.kind: mixture", () => {
  it("decodes every corpus form by domain name, with the weight vectors as written", () => {
    const mixture = mixtureOf(spec("[[0.5, 0.5, 0], [0.2, 0.2, 0.6]]"))
    expect(mixture.sweep.corpora.moby).toBe("moby-dick")
    expect(mixture.sweep.corpora.markov).toMatchObject({ kind: "markov", documents: 50, alphabet: 32 })
    expect(mixtureWeights(mixture.sweep)).toEqual([[0.5, 0.5, 0], [0.2, 0.2, 0.6]])
    expect(mixture.sweep.centre).toBe("chinchilla")
  })

  it("expands `grid: m` to the simplex lattice of multiples of 1/m", () => {
    const vectors = mixtureWeights(mixtureOf(spec("{ grid: 2 }")).sweep)
    // (m + k − 1 choose k − 1) = 6 vectors for m = 2, k = 3.
    expect(vectors).toHaveLength(6)
    expect(vectors).toContainEqual([0.5, 0, 0.5])
    for (const vector of vectors) expect(vector.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
    expect(simplexLattice(2, 4)).toEqual([[1, 0], [0.75, 0.25], [0.5, 0.5], [0.25, 0.75], [0, 1]])
  })

  it("locates each bad weight vector at its line and column", () => {
    const issues = issuesOf(spec("\n    - [0.5, 0.5, 0]\n    - [0.2, 0.3, 0.6]\n    - [0.5, 0.5]\n    - [1.5, -0.5, 0]"))
    expect(issues).toEqual([
      "mix.yaml:10:7: expected weights summing to 1, got [0.2, 0.3, 0.6] summing to 1.1",
      "mix.yaml:11:7: expected 3 weights (one per domain: moby, sotu, markov), got 2",
      "mix.yaml:12:7: expected weights in [0, 1], got [1.5, -0.5, 0]"
    ])
  })

  it("wants 2 to 4 domains with plain names, and one size per budget when sizes are given", () => {
    const one = `name: mix\nsweep:\n  kind: mixture\n  corpora:\n    Moby: moby-dick\n  weights: [[1]]\n`
    const issues = issuesOf(one)
    expect(issues.some((issue) => issue.includes("expected 2 to 4 domains, got 1"))).toBe(true)
    expect(issues.some((issue) => issue.startsWith("mix.yaml:5:11:") && issue.includes("domain name"))).toBe(true)
    expect(issuesOf(spec("{ grid: 2 }", "").replace("budgets: [1e11, 3e11]", "budgets: [1e11, 3e11]\n  params: [1e5]")))
      .toEqual(["mix.yaml:10:11: expected one model size per budget (2, in ascending budget order), got 1"])
  })

  it("is refused, at its kind, where only an IsoFLOP sweep is taken", () => {
    const decoded = decodeExperimentText(spec("{ grid: 2 }"), "mix.yaml")
    if (Result.isSuccess(decoded)) throw new Error("decoded as an IsoFLOP sweep")
    expect(formatSpecIssue(decoded.failure.issues[0]!)).toMatch(/^mix\.yaml:3:9: sweep\.kind: `mixture` is a data-mixture sweep/)
  })

  it("expands a file domain's paths relative to the spec's folder, and locates a path that matches nothing", async () => {
    const folder = mkdtempSync(join(tmpdir(), "scalelab-mixture-"))
    mkdirSync(join(folder, "notes"))
    writeFileSync(join(folder, "notes", "b.txt"), "second")
    writeFileSync(join(folder, "notes", "a.txt"), "first")
    const file = join(folder, "mix.yaml")
    const load = async (text: string) => {
      writeFileSync(file, text)
      return Effect.runPromiseExit(loadExperimentSpec(file).pipe(Effect.provide(NodeFileSystem.layer)))
    }
    const loaded = await load(spec("{ grid: 2 }").replace("sotu: sotu", "notes: notes/*.txt"))
    if (Exit.isFailure(loaded)) throw new Error(String(loaded.cause))
    const kind = specOfKind(loaded.value)
    if (kind._tag !== "Mixture") throw new Error(kind._tag)
    expect(kind.mixture.sweep.corpora.notes).toEqual({ kind: "files", paths: [join(folder, "notes", "a.txt"), join(folder, "notes", "b.txt")] })
    const missing = await load(spec("{ grid: 2 }").replace("sotu: sotu", "notes: nothing/*.txt"))
    if (Exit.isSuccess(missing)) throw new Error("loaded a domain that matches no file")
    const error = missing.cause.reasons.map((reason) => (reason._tag === "Fail" ? reason.error : undefined)).find(Boolean)
    expect(error).toBeInstanceOf(SpecError)
    expect((error as SpecError).issues.map(formatSpecIssue)).toEqual([
      `${file}:6:12: sweep.corpora.notes: \`nothing/*.txt\` matches no file; check the path (relative to the spec's folder ${folder}), or name a built-in corpus: moby-dick, sotu`
    ])
  })
})
