import type { SweepEvent } from "@scalelab/runner"

/**
 * An event as one JSON line: `{"event": tag, "time": ISO 8601, ...the event's fields}`, the fields
 * named as in SweepEvent. Absent optional fields are left out; a loss that is not finite (a
 * diverged run) is written as null, as JSON has no NaN.
 */
export const eventJsonLine = (event: SweepEvent, at: number): string => {
  const { _tag, ...fields } = event
  return JSON.stringify({ event: _tag, time: new Date(at).toISOString(), ...fields })
}
