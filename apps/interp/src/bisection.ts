// Frames at any t between two inputs, by recursive bisection: the network only predicts the middle frame, so t is
// rounded to the nearest multiple of 2^-depth and reached through middles of middles. Each intermediate frame is
// computed once per pair and reused (t = 1/4, 1/2 and 3/4 cost three passes, not five).
import type {RgbImage} from '@daek/datasets';

/** The middle frame of two frames (one network pass). */
export type MiddleFn = (a: RgbImage, b: RgbImage) => Promise<RgbImage>;

/** Round t in [0, 1] to the bisection grid: the numerator over `2^depth`. */
export function gridIndex(t: number, depth: number): number {
  return Math.round(t * 2 ** depth);
}

/** The frames of one input pair on the bisection grid, computed on demand and cached. */
export class PairBisection {
  private readonly cache = new Map<number, Promise<RgbImage>>();
  private readonly size: number;
  /** Network passes made for this pair. */
  passes = 0;

  /**
   * @param a the pair's first frame (t = 0).
   * @param b the pair's second frame (t = 1).
   * @param depth grid of 2^-depth.
   * @param middle one network pass.
   */
  constructor(a: RgbImage, b: RgbImage, depth: number, private readonly middle: MiddleFn) {
    this.size = 2 ** depth;
    this.cache.set(0, Promise.resolve(a));
    this.cache.set(this.size, Promise.resolve(b));
  }

  /** The frame at grid position `n` (t = n / 2^depth). */
  at(n: number): Promise<RgbImage> {
    if (!(Number.isInteger(n) && n >= 0 && n <= this.size)) throw new Error(`bisection: grid index ${n} outside 0..${this.size}`);
    const known = this.cache.get(n);
    if (known) return known;
    // n = odd · 2^s sits in the middle of [n - 2^s, n + 2^s], both coarser grid points.
    let half = 1;
    while ((n / half) % 2 === 0) half *= 2;
    const frame = Promise.all([this.at(n - half), this.at(n + half)]).then(([left, right]) => {
      this.passes++;
      return this.middle(left, right);
    });
    this.cache.set(n, frame);
    return frame;
  }

  /** The frame at t (rounded to the grid). */
  atTime(t: number): Promise<RgbImage> {
    return this.at(gridIndex(t, Math.log2(this.size)));
  }
}
