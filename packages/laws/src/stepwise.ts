/**
 * A computation long enough that its caller may need to stop it part way (a bootstrap of many
 * resamples): a generator that pauses after each piece of work and returns its result at the end.
 * A caller on an event loop resumes it in slices and yields in between, so a signal handler runs
 * and can stop it at a pause; a plain caller runs it straight through with `runStepwise`.
 */
export type Stepwise<A> = Generator<void, A, void>

/** Runs a stepwise computation to its end, without pausing. */
export const runStepwise = <A>(steps: Stepwise<A>): A => {
  for (;;) {
    const next = steps.next()
    if (next.done === true) return next.value
  }
}
