export { adaptiveCentre, planAdaptive } from "./adaptivePlan.ts"
export { canonicalJson, contentId } from "./contentId.ts"
export { MAX_PLANNED_PARAMS, PlanError, planBudget, planIsoflop, planIsoflopSteps, previewPlan, previewPlanSteps, publishedCentre, runsAtSize } from "./isoflopPlan.ts"
export type { Centre, CorpusFacts, Plan, PlannedRun, PlanNote, PlanPreview, SizedRuns, SpecField } from "./isoflopPlan.ts"
