export { adaptiveCentre, planAdaptive } from "./adaptivePlan.ts"
export { canonicalJson, contentId } from "./contentId.ts"
export { PlanError, planBudget, planIsoflop, publishedCentre } from "./isoflopPlan.ts"
export type { Centre, CorpusFacts, Plan, PlannedRun } from "./isoflopPlan.ts"
