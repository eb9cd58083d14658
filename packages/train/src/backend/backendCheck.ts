// Shows what `execution.backend: NAME` selects on this machine: every candidate tried, how long it
// took, and why each one passed over was not used.
//   node --import tsx packages/train/src/backend/backendCheck.ts [--json] [auto|cuda|tensorflow|webgpu|wasm|cpu]
// --json prints one JSON object on one line instead of a table.
// Exits 0 when a backend was selected, 1 when none could be, 2 on bad usage.
import {
  type BackendAttempt,
  type BackendRequest,
  BackendUnavailableError,
  backendRequests,
  type SelectedBackend,
  selectBackend
} from "./backend.ts"

/** What --json prints: the selected backend, or the error when none could be used. */
export type BackendCheck =
  | ({ readonly requested: BackendRequest } & SelectedBackend)
  | { readonly requested: BackendRequest; readonly attempts: ReadonlyArray<BackendAttempt>; readonly error: string }

const usage = `usage: backendCheck [--json] [${backendRequests.join("|")}]`

const isBackendRequest = (word: string): word is BackendRequest => (backendRequests as ReadonlyArray<string>).includes(word)

function table(check: BackendCheck): string {
  const headline = "error" in check
    ? `${check.requested}: no backend could be used`
    : `${check.requested} → ${check.name} on ${check.device} (backend ${check.version}, tfjs-core ${check.tfjsVersion})`
  const rows = check.attempts.map((attempt) =>
    `  ${attempt.backend.padEnd(10)} ${attempt.ms.toFixed(0).padStart(6)} ms  ${attempt.failure ?? "chosen"}`
  )
  return [headline, ...rows].join("\n")
}

async function check(requested: BackendRequest): Promise<BackendCheck> {
  try {
    return { requested, ...(await selectBackend(requested)) }
  } catch (error) {
    if (!(error instanceof BackendUnavailableError)) throw error
    return { requested, attempts: error.attempts, error: error.message }
  }
}

async function main(argv: ReadonlyArray<string>): Promise<number> {
  const json = argv.includes("--json")
  const words = argv.filter((arg) => arg !== "--json")
  const requested = words[0] ?? "auto"
  if (!isBackendRequest(requested) || words.length > 1) {
    process.stderr.write(`${usage}\n`)
    return 2
  }
  const result = await check(requested)
  process.stdout.write(`${json ? JSON.stringify(result) : table(result)}\n`)
  return "error" in result ? 1 : 0
}

// Exit explicitly: an open WebGPU device keeps Node running.
process.exit(await main(process.argv.slice(2)))
