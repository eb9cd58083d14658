import { LawInputError } from "./lawInputError.ts"

/** Throws unless `value` is a finite number above zero; `where` names it for the user. */
export const requirePositive = (value: number, where: string): void => {
  if (!Number.isFinite(value) || value <= 0) {
    throw new LawInputError(`${where} must be a finite number above 0, got ${value}`)
  }
}

/** Throws unless `value` is an integer of at least `min`; `where` names it for the user. */
export const requireInteger = (value: number, min: number, where: string): void => {
  if (!Number.isInteger(value) || value < min) {
    throw new LawInputError(`${where} must be an integer of at least ${min}, got ${value}`)
  }
}

/** Throws unless the two arrays pair up one to one. */
export const requireSameLength = (x: ReadonlyArray<number>, y: ReadonlyArray<number>): void => {
  if (x.length !== y.length) {
    throw new LawInputError(`x and y must have one value per point, got ${x.length} x values and ${y.length} y values`)
  }
}

export const distinctCount = (values: ReadonlyArray<number>): number => new Set(values).size

/** Throws unless `x` holds at least `needed` distinct values; `what` names the fit that needs them. */
export const requireDistinct = (x: ReadonlyArray<number>, needed: number, what: string): void => {
  const distinct = distinctCount(x)
  if (distinct < needed) {
    throw new LawInputError(`${what} needs at least ${needed} distinct x values, got ${distinct}: add points at other x`)
  }
}
