// A stand-in trainer that follows the worker contract without training anything: it reads
// run.json, writes metrics.jsonl and result.json with a loss computed from the run's size.
// The second argument picks a misbehaviour for the runner to cope with.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const [runDir, behaviour = "train"] = process.argv.slice(2)
const run = JSON.parse(readFileSync(join(runDir, "run.json"), "utf8"))
appendFileSync(join(runDir, "executions"), "x")
console.log(`training ${run.id}: ${run.params} params on ${run.tokens} tokens`)

if (behaviour === "crash") {
  console.error("simulated out-of-memory")
  process.exit(3)
}
if (behaviour === "crash-once" && !existsSync(join(runDir, "crashed-once"))) {
  writeFileSync(join(runDir, "crashed-once"), "")
  console.error("simulated transient failure")
  process.exit(4)
}
if (behaviour === "no-result") process.exit(0)
if (behaviour === "hang") {
  writeFileSync(join(runDir, "pid"), String(process.pid))
  setInterval(() => {}, 1000)
} else {
  const loss = expectedLoss(run.params, run.tokens)
  const metrics = [
    { step: 1, tokens: run.tokens, flops: run.flops, loss: loss + 0.1, lr: 0.001 },
    { step: 1, tokens: run.tokens, flops: run.flops, val_loss: loss }
  ]
  appendFileSync(join(runDir, "metrics.jsonl"), metrics.map((line) => JSON.stringify(line) + "\n").join(""))
  const result = {
    id: run.id,
    status: "completed",
    val_loss: loss,
    train_loss: loss + 0.05,
    params: run.params,
    tokens: run.tokens,
    flops: run.flops,
    steps: 1,
    backend: "fake",
    wall_s: 0.01,
    tokens_per_s: 1000
  }
  writeFileSync(join(runDir, "result.json"), JSON.stringify(result))
}

// Chinchilla's fitted law (Hoffmann et al. 2022, eq. 10), so every run has a distinct known loss.
function expectedLoss(params, tokens) {
  return 1.69 + 406.4 / params ** 0.34 + 410.7 / tokens ** 0.28
}
