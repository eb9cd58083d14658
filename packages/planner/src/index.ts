export { canonicalJson, contentId } from "./contentId.ts"
export { PlanError, planIsoflop } from "./isoflopPlan.ts"
export type { CorpusSize, Plan, PlannedRun } from "./isoflopPlan.ts"
