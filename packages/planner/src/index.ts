export { adaptiveCentre, planAdaptive } from "./adaptivePlan.ts"
export { canonicalJson, contentId } from "./contentId.ts"
export { PlanError, planBudget, planIsoflop, publishedCentre, runsAtSize } from "./isoflopPlan.ts"
export type { Centre, CorpusFacts, Plan, PlannedRun, SizedRuns } from "./isoflopPlan.ts"
