// Whether the experiments' loss laws share one irreducible loss: as asked, else decided from what
// the inputs say about the data they were trained on.
import { canonicalJson } from "@scalelab/planner"
import type { FloorChoice, FloorMode } from "./compareTypes.ts"
import type { NamedInput } from "./experimentInputs.ts"

/**
 * Shared or separate floors, as asked, else from the inputs: experiments trained on the same data
 * with the same tokenizer share its irreducible loss, so the floor is shared unless two specs'
 * data sections differ. A table does not say what it was trained on: it is taken to share the
 * specs' data (or the other tables'), and the reason says so.
 */
export const chooseFloor = (inputs: ReadonlyArray<NamedInput>, requested: FloorMode | undefined): Omit<FloorChoice, "value"> => {
  const specs = inputs.filter((entry) => entry.data !== undefined)
  const tables = inputs.filter((entry) => entry.data === undefined)
  const first = specs[0]
  const differing = first === undefined ? [] : specs.filter((entry) => canonicalJson(entry.data) !== canonicalJson(first.data))
  const specsSay = differing.length > 0
    ? `the specs' data differ (${first?.name}'s data section is not ${differing.map((entry) => entry.name).join("'s, ")}'s), so their irreducible losses may too`
    : specs.length > 1
    ? "every spec has the same data section"
    : undefined
  const tablesSay = tables.length > 0
    ? `${tables.map((entry) => entry.name).join(", ")} come without a spec (a results table, or a store's runs), so nothing says what data they were trained on`
    : undefined
  const facts = [specsSay, tablesSay].filter((fact) => fact !== undefined).join("; ")
  if (requested !== undefined) return { mode: requested, requested, reason: `as --floor ${requested} asks; ${facts}` }
  return differing.length > 0
    ? { mode: "separate", requested, reason: `${facts}: each law is fitted with its own floor (--floor shared to share one)` }
    : {
      mode: "shared",
      requested,
      reason: `${facts}${tables.length > 0 ? ": taken to be the same data and tokenizer" : ""}, so they share one irreducible loss (--floor separate if they do not)`
    }
}
