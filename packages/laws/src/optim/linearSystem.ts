import { LawInputError } from "../lawInputError.ts"

/**
 * Solves the square system A·x = b by Gaussian elimination with partial pivoting (the largest
 * remaining pivot in each column, which keeps rounding error bounded for the small, possibly
 * ill-conditioned normal equations of least squares). Throws when A is singular to working precision.
 */
export const solveLinearSystem = (matrix: ReadonlyArray<ReadonlyArray<number>>, rhs: ReadonlyArray<number>): number[] => {
  const size = rhs.length
  // Augmented rows [A | b], eliminated in place.
  const rows = matrix.map((row, i) => [...row.slice(0, size), rhs[i] ?? Number.NaN])
  const at = (row: number, column: number): number => rows[row]?.[column] ?? Number.NaN
  const scale = Math.max(...rows.flatMap((row) => row.slice(0, size).map(Math.abs)))
  for (let column = 0; column < size; column++) {
    let pivot = column
    for (let row = column + 1; row < size; row++) {
      if (Math.abs(at(row, column)) > Math.abs(at(pivot, column))) pivot = row
    }
    if (!(Math.abs(at(pivot, column)) > scale * 1e-13)) {
      throw new LawInputError("the least-squares system is singular: the points do not determine every coefficient")
    }
    ;[rows[column], rows[pivot]] = [rows[pivot] ?? [], rows[column] ?? []]
    for (let row = column + 1; row < size; row++) {
      const factor = at(row, column) / at(column, column)
      rows[row] = (rows[row] ?? []).map((value, k) => (k < column ? value : value - factor * at(column, k)))
    }
  }
  const solution = new Array<number>(size).fill(0)
  for (let row = size - 1; row >= 0; row--) {
    let sum = at(row, size)
    for (let k = row + 1; k < size; k++) sum -= at(row, k) * (solution[k] ?? 0)
    solution[row] = sum / at(row, row)
  }
  return solution
}
