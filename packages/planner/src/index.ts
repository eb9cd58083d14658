export { canonicalJson, contentId } from "./contentId.ts"
export { logSpaced, PlanError, planIsoflop } from "./isoflopPlan.ts"
export type { Plan, PlannedRun } from "./isoflopPlan.ts"
