// Exact frame rates: `60000/1001` stays a ratio of integers, so frame positions never drift.
import {InterpError} from './errors.js';

/** A positive rational number `num / den` in lowest terms. */
export interface Rational {
  /** Numerator. */
  num: number;
  /** Denominator (> 0). */
  den: number;
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/** `num/den` in lowest terms. */
export function rational(num: number, den = 1): Rational {
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den) || den === 0) throw new Error(`not a rational: ${num}/${den}`);
  const g = gcd(num, den) || 1;
  const sign = den < 0 ? -1 : 1;
  return {num: (sign * num) / g, den: (sign * den) / g};
}

/** The value as a float. */
export function toNumber(r: Rational): number {
  return r.num / r.den;
}

/** `a * b`. */
export function multiply(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

/** Text form: `25` or `60000/1001`. */
export function formatRational(r: Rational): string {
  return r.den === 1 ? String(r.num) : `${r.num}/${r.den}`;
}

/**
 * Parse a frame rate: an integer (`60`), a ratio (`60000/1001`) or a decimal (`59.94`, read exactly as 5994/100).
 *
 * @throws InterpError (usage) naming the flag when the text is not a positive rate.
 */
export function parseRational(text: string, what: string): Rational {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+(?:\.\d+)?)\s*)?$/.exec(text);
  if (!match) throw new InterpError('usage', `${what}: expected a positive rate such as 60, 59.94 or 60000/1001, got '${text}'`);
  const part = (s: string): Rational => {
    const [whole, fraction = ''] = s.split('.');
    return rational(Number(whole + fraction), 10 ** fraction.length);
  };
  const a = part(match[1]!);
  const b = match[2] !== undefined ? part(match[2]) : rational(1);
  if (a.num === 0 || b.num === 0) throw new InterpError('usage', `${what}: expected a positive rate, got '${text}'`);
  return rational(a.num * b.den, a.den * b.num);
}
