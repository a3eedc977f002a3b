// One error for many problems: weight loaders validate everything first and report it all at once.

/** Default number of problems an error message lists before summarising the rest. */
export const MAX_LISTED_PROBLEMS = 20;

/**
 * An error listing every problem found while validating weights; nothing was loaded when it is thrown.
 * `problems` holds the full list (the message shows the first ones).
 */
export class WeightsError extends Error {
  /** Every problem, one line each. */
  readonly problems: string[];

  constructor(what: string, problems: string[], hint = '', maxListed = MAX_LISTED_PROBLEMS) {
    const shown = problems.slice(0, Math.max(1, maxListed));
    const more = problems.length > shown.length ? `\n  ... and ${problems.length - shown.length} more` : '';
    super(`${what}: ${problems.length} problem${problems.length === 1 ? '' : 's'}, nothing was loaded:\n  - ` +
      `${shown.join('\n  - ')}${more}${hint ? `\n${hint}` : ''}`);
    this.name = 'WeightsError';
    this.problems = problems;
  }
}

/** Where the NaN/Infinity values of an array are. */
export interface NonFinite {
  /** How many values are NaN or ±Infinity. */
  count: number;
  /** Flat index of the first one. */
  index: number;
  /** The first one. */
  value: number;
}

/** The non-finite values of `data`, or null when all are finite. */
export function firstNonFinite(data: ArrayLike<number>): NonFinite | null {
  let count = 0;
  let index = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) { // NaN and ±Infinity; cheaper than Number.isFinite in this loop
      if (index < 0) index = i;
      count++;
    }
  }
  return count === 0 ? null : {count, index, value: data[index]!};
}

/** `[a,b,c]` */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
