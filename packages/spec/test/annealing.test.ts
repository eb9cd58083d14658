import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Result } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import {
  type AnnealingExperiment,
  annealingCorpora,
  annealingTarget,
  decodeExperimentText,
  decodeSpecText,
  formatSpecIssue,
  loadExperimentSpec,
  specOfKind
} from "../src/index.ts"

const spec = (extra = "", candidates = "    sotu: sotu\n    markov: { kind: markov, documents: 50 }") => `name: anneal
sweep:
  kind: annealing
  base: moby-dick
  candidates:
${candidates}
  budgets: [1e11, 3e11]
${extra}`

const annealingOf = (text: string): AnnealingExperiment => {
  const decoded = decodeSpecText(text, "anneal.yaml")
  if (Result.isFailure(decoded)) throw new Error(decoded.failure.issues.map(formatSpecIssue).join("\n"))
  const kind = specOfKind(decoded.success)
  if (kind._tag !== "Annealing") throw new Error(`decoded as ${kind._tag}`)
  return kind.annealing
}

const issuesOf = (text: string) => {
  const decoded = decodeSpecText(text, "anneal.yaml")
  if (Result.isSuccess(decoded)) throw new Error("decoded without issues")
  return decoded.failure.issues.map(formatSpecIssue)
}

describe("sweep.kind: annealing", () => {
  it("decodes with Llama 3's defaults, the default data first among the domains", () => {
    const annealing = annealingOf(spec())
    expect(annealing.sweep).toMatchObject({ anneal: 0.1, weight: 0.3, seeds: 2, centre: "chinchilla", budgets: [1e11, 3e11] })
    expect(Object.keys(annealingCorpora(annealing.sweep))).toEqual(["base", "sotu", "markov"])
    expect(annealingTarget(annealing.sweep)).toEqual([1 / 3, 1 / 3, 1 / 3])
    expect(annealingTarget(annealingOf(spec("  target: { sotu: 0.25, base: 0.75 }")).sweep)).toEqual([0.75, 0.25, 0])
  })

  it("locates each bad field and says what to do", () => {
    expect(issuesOf(spec("", "    base: sotu"))).toEqual([
      expect.stringMatching(/^anneal\.yaml:6:\d+: .*`base` names the default data \(`sweep\.base`\): give the candidate another name/)
    ])
    expect(issuesOf(spec("  target: { base: 0.5, news: 0.5 }")).join("\n")).toMatch(
      /anneal\.yaml:9:\d+: .*expected a domain of the sweep \(base, sotu, markov\), got `news`/
    )
    expect(issuesOf(spec("  target: { base: 0.5, sotu: 0.2 }")).join("\n")).toMatch(/anneal\.yaml:9:\d+: .*expected weights >= 0 summing to 1/)
    expect(issuesOf(spec("  params: [1e4]")).join("\n")).toMatch(/anneal\.yaml:9:\d+: .*expected one model size per budget \(2/)
    expect(issuesOf(spec("  weight: 1")).join("\n")).toMatch(/anneal\.yaml:9:\d+: .*a fraction in \(0, 1\)/)
    expect(issuesOf(spec("  anneal: 0")).join("\n")).toMatch(/anneal\.yaml:9:\d+: .*a fraction in \(0, 1\]/)
  })

  it("is refused where only an IsoFLOP sweep is taken, at sweep.kind", () => {
    const decoded = decodeExperimentText(spec(), "anneal.yaml")
    expect(Result.isFailure(decoded) && decoded.failure.issues.map(formatSpecIssue).join("\n")).toMatch(
      /^anneal\.yaml:3:\d+: sweep\.kind: `annealing` is a set of annealing probes, which this command does not read/
    )
  })

  it("expands file candidates relative to the spec's folder, and locates a path matching nothing", async () => {
    const folder = mkdtempSync(join(tmpdir(), "scalelab-annealing-spec-"))
    writeFileSync(join(folder, "notes.txt"), "a small candidate dataset\n")
    writeFileSync(join(folder, "good.yaml"), spec("", "    notes: notes.txt"))
    writeFileSync(join(folder, "bad.yaml"), spec("", "    notes: missing.txt"))
    const load = (file: string) => Effect.runPromise(Effect.result(loadExperimentSpec(join(folder, file)).pipe(Effect.provide(NodeFileSystem.layer))))
    const good = await load("good.yaml")
    if (Result.isFailure(good)) throw new Error(good.failure.message)
    const kind = specOfKind(good.success)
    expect(kind._tag === "Annealing" && kind.annealing.sweep.candidates["notes"]).toEqual({ kind: "files", paths: [join(folder, "notes.txt")] })
    const bad = await load("bad.yaml")
    expect(Result.isFailure(bad) && bad.failure.message).toMatch(/bad\.yaml:6:\d+: sweep\.candidates\.notes: `missing\.txt` matches no file/)
  })
})
