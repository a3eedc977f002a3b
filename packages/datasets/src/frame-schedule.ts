// Which triplets to cut from a sequence of numbered frames (a video or a frame folder).

/** An inclusive range of frame indices, `[first, last]`. */
export type FrameRange = readonly [number, number];

/** Options that choose the triplets of a frame sequence. */
export interface FrameScheduleOptions {
  /**
   * Frames from frame0 to gt, and from gt to frame1 (default 1): a triplet is frames (s, s + gap, s + 2 gap)
   * with t = 0.5. `gap: 1` is three consecutive frames.
   */
  gap?: number;
  /** Frames between the first frames of successive triplets (default 1: every possible triplet). */
  stride?: number;
  /** First frame of the first triplet (default: the first frame, 0 for a video). */
  first?: number;
  /** Explicit first frames of the triplets, instead of `first` and `stride`. */
  starts?: readonly number[];
  /**
   * Leave out every triplet with a frame inside one of these inclusive ranges (counted in the pass summary
   * as `excluded`). Use {@link exclusionRanges} to keep training away from evaluation triplets.
   */
  exclude?: readonly FrameRange[];
}

/** The resolved schedule. */
export interface FrameSchedule {
  gap: number;
  /** Whether a triplet starts at frame `s` (exclusions not applied). */
  isStart(s: number): boolean;
  /** The last start the schedule can produce (Infinity when open-ended). */
  lastStart: number;
  /** Whether a triplet starting at `s` touches an excluded frame. */
  isExcluded(s: number): boolean;
}

function checkInteger(value: number, what: string, minimum: number): void {
  if (!(Number.isSafeInteger(value) && value >= minimum)) {
    throw new Error(`${what}: expected an integer >= ${minimum}, received ${value}`);
  }
}

/** Check and resolve the schedule options. `defaultFirst` is the first frame number of the sequence. */
export function resolveSchedule(options: FrameScheduleOptions, defaultFirst: number, what: string): FrameSchedule {
  const gap = options.gap ?? 1;
  const stride = options.stride ?? 1;
  checkInteger(gap, `${what}: options.gap`, 1);
  checkInteger(stride, `${what}: options.stride`, 1);
  const first = options.first ?? defaultFirst;
  checkInteger(first, `${what}: options.first`, 0);
  const ranges = options.exclude ?? [];
  for (const range of ranges) {
    if (!Array.isArray(range) || range.length !== 2 || !Number.isSafeInteger(range[0]) || !Number.isSafeInteger(range[1]) ||
        range[0] > range[1]) {
      throw new Error(`${what}: options.exclude: expected inclusive ranges [first, last] of integers, received ${JSON.stringify(range)}`);
    }
  }
  const isExcluded = (s: number) => [s, s + gap, s + 2 * gap].some((f) => ranges.some(([a, b]) => f >= a && f <= b));
  if (options.starts !== undefined) {
    const starts = new Set<number>();
    for (const s of options.starts) {
      checkInteger(s, `${what}: options.starts`, 0);
      starts.add(s);
    }
    return {gap, isStart: (s) => starts.has(s), lastStart: starts.size ? Math.max(...starts) : -1, isExcluded};
  }
  return {gap, isStart: (s) => s >= first && (s - first) % stride === 0, lastStart: Infinity, isExcluded};
}

/**
 * Frame ranges to exclude so that no frame within `margin` frames of the given triplets is used: for each
 * triplet, `[min - margin, max + margin]`; overlapping ranges are merged. Issue 8's training split,
 * "leave out every frame within 2 frames of the evaluation triplets", is
 * `exclude: exclusionRanges(evaluation.map((s) => s.frames), 2)`.
 *
 * @param triplets frame indices of each triplet (any number of frames each).
 * @param margin frames to leave out on each side (default 2).
 */
export function exclusionRanges(triplets: ReadonlyArray<ReadonlyArray<number>>, margin = 2): FrameRange[] {
  checkInteger(margin, 'exclusionRanges(margin)', 0);
  const ranges: [number, number][] = [];
  for (const frames of triplets) {
    if (!Array.isArray(frames) || frames.length === 0 || frames.some((f) => !Number.isSafeInteger(f))) {
      throw new Error(`exclusionRanges(triplets): expected arrays of integer frame indices, received ${JSON.stringify(frames)}`);
    }
    ranges.push([Math.min(...frames) - margin, Math.max(...frames) + margin]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}
