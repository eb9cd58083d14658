// Named points where a test can have the coordinator killed outright (SIGKILL, as by the OS or a
// cluster's OOM killer), to prove that a kill at that instant loses no finished work. Inert unless
// SCALELAB_CRASH_AT names the point; SCALELAB_CRASH_AFTER=n kills on its n-th visit (default 1).
const crashAt = process.env["SCALELAB_CRASH_AT"]
const crashAfter = Number(process.env["SCALELAB_CRASH_AFTER"] ?? "1")
let visits = 0

export type CrashPoint =
  /** Inside the store transaction that records a finished run, before it commits. */
  | "store-write"
  /** After a run is recorded as finished, before the next one starts. */
  | "between-runs"

export const crashPoint = (name: CrashPoint): void => {
  if (crashAt !== name) return
  visits++
  if (visits >= crashAfter) process.kill(process.pid, "SIGKILL")
}
