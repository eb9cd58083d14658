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
if (behaviour === "bad-input") {
  console.error("run.json asks for a corpus this trainer cannot read")
  process.exit(2)
}
if (behaviour === "no-result") process.exit(0)
const hangsNow = behaviour === "hang" || (behaviour === "hang-once" && !existsSync(join(runDir, "hung-once")))
if (hangsNow) {
  writeFileSync(join(runDir, "hung-once"), "")
  writeFileSync(join(runDir, "pid"), String(process.pid))
  // Stays alive and silent: no metric line ever comes.
  setInterval(() => {}, 1000)
} else if (behaviour === "slow") {
  // A metric line every 100 ms for a second: alive, however short the hang timeout.
  let step = 0
  const timer = setInterval(() => {
    step++
    appendFileSync(join(runDir, "metrics.jsonl"), JSON.stringify({ step, tokens: step * 100, flops: step, loss: 5 - step / 10 }) + "\n")
    if (step === 10) {
      clearInterval(timer)
      finish("completed")
    }
  }, 100)
} else {
  if (behaviour === "malformed") {
    // What a careless external trainer might print: not JSON.
    appendFileSync(join(runDir, "metrics.jsonl"), `{"step": 1, "tokens": 10, "flops": 60, "loss": 5.1}\nstep=2 loss=4.9\n`)
  }
  // Diverges at any learning rate above 1e-3, as a model trained too hot does.
  finish(behaviour === "diverge" || (behaviour === "diverge-above-1e-3" && run.training.lr > 1e-3) ? "diverged" : "completed")
}

function finish(status) {
  const loss = expectedLoss(run.params, run.tokens)
  const metrics = [
    { step: 1, tokens: run.tokens, flops: run.flops, loss: loss + 0.1, lr: run.training.lr },
    { step: 1, tokens: run.tokens, flops: run.flops, val_loss: loss }
  ]
  appendFileSync(join(runDir, "metrics.jsonl"), metrics.map((line) => JSON.stringify(line) + "\n").join(""))
  const result = {
    id: run.id,
    status,
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
