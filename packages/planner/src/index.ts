export { canonicalJson, contentId } from "./contentId.ts"
export { PlanError, planIsoflop } from "./isoflopPlan.ts"
export type { Plan, PlannedRun } from "./isoflopPlan.ts"
