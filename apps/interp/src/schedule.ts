// Which input pair and which t every output frame comes from. The output keeps the input's duration: `--multi k`
// on N frames gives k·N frames (the last input frame held k times), `--fps F` gives round(duration·F) frames at a
// constant step. Constant-rate input is mapped exactly (integer arithmetic on the rates); variable-rate input is
// mapped through its timestamps.
import {multiply, rational, toNumber, type Rational} from './rational.js';

/** `--multi N`: N times the input's rate. */
export interface MultiRequest {
  /** The factor (>= 2). */
  multi: number;
}

/** `--fps F`: a target rate. */
export interface FpsRequest {
  /** The rate. */
  fps: Rational;
}

/** The rate asked for: a multiple of the input's, or a target rate. */
export type RateRequest = MultiRequest | FpsRequest;

/** Evenly spaced input frames. */
export interface ConstantTiming {
  /** Tag. */
  kind: 'constant';
  /** Frames per second. */
  rate: Rational;
  /** Number of frames. */
  count: number;
}

/** Unevenly spaced input frames. */
export interface VariableTiming {
  /** Tag. */
  kind: 'variable';
  /** Presentation times in seconds, increasing, the first one 0. */
  times: number[];
  /** Seconds the last frame shows. */
  lastDuration: number;
}

/** How the input's frames are spaced in time. */
export type InputTiming = ConstantTiming | VariableTiming;

/** Where one output frame comes from. */
export interface Source {
  /** Index of the pair's first frame (the pair is `pair`, `pair + 1`); the last input frame when held. */
  pair: number;
  /** Position between the two frames in [0, 1); 0 is the first frame itself. */
  t: number;
}

/** The output's frame rate, frame count, and the source of each output frame. */
export interface Schedule {
  /** Output frame rate (constant). */
  rate: Rational;
  /** Number of output frames. */
  count: number;
  /** Number of input frames. */
  inputCount: number;
  /** Duration in seconds (the input's, kept). */
  duration: number;
  /** Where output frame `j` comes from. */
  source(j: number): Source;
}

/** Build the {@link Schedule} for an input and a requested rate. */
export function buildSchedule(timing: InputTiming, request: RateRequest): Schedule {
  if (timing.kind === 'constant') {
    const {rate: inRate, count: n} = timing;
    const outRate = 'multi' in request ? multiply(inRate, rational(request.multi)) : request.fps;
    const count = 'multi' in request ? request.multi * n : Math.round((n * outRate.num * inRate.den) / (outRate.den * inRate.num));
    // Output frame j sits at input position u = j · inRate / outRate = j · a / b.
    const ratio = rational(inRate.num * outRate.den, inRate.den * outRate.num);
    return {
      rate: outRate, count, inputCount: n, duration: n / toNumber(inRate),
      source(j) {
        const num = j * ratio.num;
        const pair = Math.floor(num / ratio.den);
        if (pair >= n - 1) return {pair: n - 1, t: 0};
        return {pair, t: (num - pair * ratio.den) / ratio.den};
      },
    };
  }
  const {times, lastDuration} = timing;
  const n = times.length;
  const duration = times[n - 1]! - times[0]! + lastDuration;
  // A variable-rate input has no exact rate to multiply: --multi k gives the constant rate k·N/duration.
  const outRate = 'multi' in request ? rational(Math.round((request.multi * n / duration) * 1000), 1000) : request.fps;
  const count = 'multi' in request ? request.multi * n : Math.round(duration * toNumber(outRate));
  let cursor = 0;
  return {
    rate: outRate, count, inputCount: n, duration,
    source(j) {
      const time = times[0]! + (j * outRate.den) / outRate.num;
      // Output frames are asked for in order: walk forward (binary search when asked out of order).
      if (cursor >= n || times[cursor]! > time) cursor = 0;
      while (cursor + 1 < n && times[cursor + 1]! <= time) cursor++;
      if (cursor >= n - 1) return {pair: n - 1, t: 0};
      const t = (time - times[cursor]!) / (times[cursor + 1]! - times[cursor]!);
      return {pair: cursor, t: Math.min(Math.max(t, 0), 1)};
    },
  };
}

/**
 * Decide whether timestamps are evenly spaced. Constant when every gap is within half a tick (or 1%) of
 * `1 / rate`; then the exact rate is used.
 *
 * @param times presentation times in seconds, sorted.
 * @param rate the container's nominal rate.
 * @param tick the time base in seconds.
 * @param lastDuration seconds the last frame shows, for variable-rate input.
 */
export function classifyTiming(times: number[], rate: Rational, tick: number, lastDuration?: number): InputTiming {
  const step = 1 / toNumber(rate);
  const tolerance = Math.max(tick, step * 0.01);
  let constant = true;
  for (let i = 1; i < times.length && constant; i++) {
    if (Math.abs(times[i]! - times[i - 1]! - step) > tolerance) constant = false;
  }
  if (constant || times.length < 2) return {kind: 'constant', rate, count: times.length};
  const t0 = times[0]!;
  return {kind: 'variable', times: times.map((t) => t - t0), lastDuration: lastDuration ?? step};
}
