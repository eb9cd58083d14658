import { scientific } from "@scalelab/laws"

/** Why a number came out infinite: it overflowed what a double holds. */
export const BEYOND_LARGEST_NUMBER = `beyond the largest finite number, about ${scientific(Number.MAX_VALUE, 2)}`
