// Options shared by the correlation factory and the memory estimate, with their defaults and checks.
import {checkInteger} from './validate.js';

/**
 * How the correlation is computed.
 * - `'all-pairs'`: AMT's way: build the full `(h*w)^2` volume and its transpose once, pool them into
 *   pyramids, then every lookup is a cheap bilinear read. Memory grows with `(h*w)^2`.
 * - `'memory-light'`: keep only average-pooled feature pyramids and compute each looked-up value as a
 *   dot product with bilinearly sampled pooled features (spec §7.2), in chunks of rows. Memory grows
 *   with `h*w`; each lookup does more arithmetic.
 */
export type CorrelationMode = 'all-pairs' | 'memory-light';

/** The correlation modes, for validation and iteration. */
export const CORRELATION_MODES: readonly CorrelationMode[] = ['all-pairs', 'memory-light'];

/** Default pyramid depth: AMT and DAEK use 4 levels (`corr_lvls`). */
export const DEFAULT_LEVELS = 4;
/** Default window radius: AMT and DAEK use 3, a 7x7 window (`corr_radius`). */
export const DEFAULT_RADIUS = 3;
/** Default memory-light working-set budget per chunk of rows: 64 MiB. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024;

/** Options of {@link createBidirCorrelation}. */
export interface BidirCorrelationOptions {
  /** Number of pyramid levels (default 4). Level i has `floor(h/2^i) x floor(w/2^i)` positions, which must be at least 1x1. */
  levels?: number;
  /** Window radius r (default 3): each level contributes `(2r+1)^2` channels. */
  radius?: number;
  /** `'all-pairs'` (default) or `'memory-light'`; see {@link CorrelationMode}. Both give the same numbers within float32 rounding. */
  mode?: CorrelationMode;
  /**
   * Memory-light mode only: the most bytes one chunk of rows may use for the temporaries of one level
   * lookup (default 64 MiB); rows are processed in chunks that fit, at least one row per chunk. On cpu and
   * wasm the fused kernel allocates only its result (`(2r+1)^2` floats per pixel), so one chunk usually
   * takes every row; on GPU backends each window position also holds its sampled features and the
   * sampler's temporaries (about `9C + 60` floats), and this budget is what bounds the peak.
   */
  chunkBytes?: number;
  /**
   * Throw if the feature maps (at build) or the coordinates (at each lookup) hold NaN or Infinity.
   * Each check reads one number back synchronously. Default `'auto'`: check on the host-memory backends
   * (`cpu`, `wasm`), where that read is cheap, and skip on GPU backends, where it would stall the
   * pipeline (and webgpu in Node cannot read synchronously at all). `true` checks everywhere, `false` nowhere.
   */
  checkFinite?: boolean | 'auto';
}

/** {@link BidirCorrelationOptions} with every default filled in. */
export interface ResolvedCorrelationOptions {
  levels: number;
  radius: number;
  mode: CorrelationMode;
  chunkBytes: number;
  checkFinite: boolean | 'auto';
}

/** Fill in defaults and check every option, naming the bad one. */
export function resolveOptions(options: BidirCorrelationOptions | undefined): ResolvedCorrelationOptions {
  if (options != null && (typeof options !== 'object' || Array.isArray(options))) {
    throw new Error(`options: expected an object like {levels, radius, mode}, got ${Array.isArray(options) ? 'an array' : typeof options}.`);
  }
  const given = options ?? {};
  const levels = checkInteger(given.levels ?? DEFAULT_LEVELS, 'levels', 1, 16);
  const radius = checkInteger(given.radius ?? DEFAULT_RADIUS, 'radius', 0, 64);
  const mode = given.mode ?? 'all-pairs';
  if (!CORRELATION_MODES.includes(mode)) {
    throw new Error(`mode: expected one of ${CORRELATION_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(mode)}.`);
  }
  const chunkBytes = given.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (typeof chunkBytes !== 'number' || !(chunkBytes > 0) || !Number.isFinite(chunkBytes)) {
    throw new Error(`chunkBytes: expected a positive number of bytes, got ${String(chunkBytes)}.`);
  }
  const checkFinite = given.checkFinite ?? 'auto';
  if (typeof checkFinite !== 'boolean' && checkFinite !== 'auto') {
    throw new Error(`checkFinite: expected true, false or 'auto', got ${JSON.stringify(checkFinite)}.`);
  }
  return {levels, radius, mode, chunkBytes, checkFinite};
}
