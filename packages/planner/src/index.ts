export { canonicalJson, contentId } from "./contentId.ts"
export { PlanError, planIsoflop } from "./isoflopPlan.ts"
export type { CorpusFacts, Plan, PlannedRun } from "./isoflopPlan.ts"
