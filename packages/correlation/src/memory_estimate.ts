// Peak-memory model of both correlation modes, counted tensor by tensor from what the code allocates,
// so a user can pick a mode before building anything. float32 throughout: 4 bytes per value.
import * as tf from '@tensorflow/tfjs';
import {resolveOptions, type BidirCorrelationOptions, type CorrelationMode} from './options.js';
import {checkInteger, isHostBackend, levelSizes} from './validate.js';

const FLOAT = 4;

/**
 * Floats the memory-light lookup allocates per sampled window position besides its result, when it is
 * composed from ops (GPU backends): the position (2), the sampled features (C), the sampler's own
 * temporaries in @daek/flow-ops' op-composed version (tap indices, weights and masks, about 56 values,
 * and 4 gathered plus 4 weighted taps, 8 x C) and the dot product's scaled copy (1).
 */
function composedFloatsPerPosition(channels: number): number {
  return 2 + channels + 56 + 8 * channels + 1;
}
/** Options of {@link estimateBytes}: the build options plus the sizes that are not in (height, width). */
export interface CorrelationMemoryOptions extends Pick<BidirCorrelationOptions, 'levels' | 'radius' | 'mode' | 'chunkBytes'> {
  /** Feature channels C (default 128, DAEK's and AMT-L's fnet). */
  channels?: number;
  /** Batch size B (default 1). */
  batch?: number;
  /**
   * The tfjs backend the correlation will run on (default: the active one, `tf.getBackend()`). On cpu and
   * wasm the lookups are single kernels; on GPU backends they are composed from ops whose temporaries
   * (sampled features, tap indices and weights) add several values per sampled position.
   */
  backend?: string;
}

/** What one built correlation and one lookup keep in memory, in bytes. Input feature maps and coordinates are not counted. */
export interface CorrelationMemoryEstimate {
  /** The mode estimated. */
  mode: CorrelationMode;
  /**
   * Held from build to `dispose()`. All-pairs: both volume pyramids, `2·B·hw·Σ_i H_i·W_i` floats.
   * Memory-light: the pooled feature levels 1..L-1 of both frames, `2·B·C·Σ_{i≥1} H_i·W_i` floats
   * (level 0 shares the input maps' memory).
   */
  heldBytes: number;
  /**
   * Temporaries alive during the build, on top of `heldBytes` (all-pairs: the scaled features, or one
   * pooled level before it is transposed into place; memory-light: none).
   */
  buildTemporaryBytes: number;
  /** One lookup's result, `[B, h, w, 2·L·(2r+1)^2]`. */
  outputBytes: number;
  /**
   * Extra bytes alive at the peak of one `lookup`, on top of `heldBytes`, result included. All-pairs: the
   * two directions and their concatenation (2x the result). Memory-light: the finished row chunks plus one
   * chunk's sampled features (bounded by `chunkBytes`), or 2x the result while the chunks are joined.
   */
  lookupBytes: number;
  /** Rows of the feature grid per chunk (memory-light); `height` for all-pairs, which does all rows at once. */
  rowsPerChunk: number;
  /** High-water mark of a build followed by one lookup: `heldBytes + max(buildTemporaryBytes, lookupBytes)`. */
  peakBytes: number;
}

/**
 * Bytes one row of the feature grid costs in one memory-light level lookup. On cpu and wasm the fused
 * kernel allocates only its result ((2r+1)^2 values per pixel); composed from ops (GPU backends) every
 * window position also holds its sampled features and the sampler's temporaries.
 */
export function featureLookupRowBytes(batch: number, width: number, channels: number, radius: number,
    backend: string): number {
  const window = (2 * radius + 1) ** 2;
  const perPosition = isHostBackend(backend) ? 1 : composedFloatsPerPosition(channels);
  return batch * width * (2 + window * perPosition) * FLOAT;
}

/**
 * Estimate the memory of {@link createBidirCorrelation} plus one lookup, without allocating anything,
 * to choose a mode up front. `height` and `width` are the FEATURE grid (1/8 of the frame for RAFT, AMT
 * and DAEK: 56x32 for 448x256, 160x90 for 1280x720, 480x270 for 3840x2160). The model counts every
 * tensor the implementation allocates; the tests hold it within 2x of what tfjs reports
 * (`tf.profile` peak bytes). Under `tf.grad` the tape keeps the intermediates too, so training needs more.
 *
 * @example
 * ```ts
 * estimateBytes(90, 160, {mode: 'all-pairs'}).peakBytes;     // ≈ 2.2 GiB at 720p (two 829 MB volumes + pyramids)
 * estimateBytes(90, 160, {mode: 'memory-light'}).peakBytes;  // ≈ 72 MiB on cpu / wasm
 * ```
 */
export function estimateBytes(height: number, width: number, options: CorrelationMemoryOptions = {}): CorrelationMemoryEstimate {
  checkInteger(height, 'height', 1);
  checkInteger(width, 'width', 1);
  const {levels, radius, mode, chunkBytes} = resolveOptions({
    levels: options.levels, radius: options.radius, mode: options.mode, chunkBytes: options.chunkBytes,
  });
  const channels = checkInteger(options.channels ?? 128, 'channels', 1);
  const batch = checkInteger(options.batch ?? 1, 'batch', 1);
  const backend = options.backend ?? tf.getBackend();
  if (typeof backend !== 'string' || backend.length === 0) {
    throw new Error(`backend: expected a tfjs backend name such as 'wasm', got ${String(backend)}.`);
  }
  const sizes = levelSizes(height, width, levels);
  const pixels = height * width;
  const window = (2 * radius + 1) ** 2;
  const directionBytes = batch * pixels * levels * window * FLOAT;
  const outputBytes = 2 * directionBytes;

  if (mode === 'all-pairs') {
    const levelPositions = sizes.reduce((sum, [h, w]) => sum + h * w, 0);
    const heldBytes = 2 * batch * pixels * levelPositions * FLOAT;
    // The scaled and transposed features during the matMul, or one pooled level in the layout it is
    // pooled in (pixels as channels) before it is transposed into the lookup layout.
    const pooledBytes = levels > 1 ? batch * pixels * sizes[1][0] * sizes[1][1] * FLOAT : 0;
    const buildTemporaryBytes = Math.max(2 * batch * pixels * channels * FLOAT, pooledBytes);
    // Both directions, then their concatenation; or, while the last level is sampled, one direction
    // and the sampler's temporaries for one level.
    // The volume's sampler reads 1-channel maps: on GPU backends about 64 temporaries per position.
    const samplerBytes = batch * pixels * window * (3 + (isHostBackend(backend) ? 0 : 56 + 8)) * FLOAT;
    const lookupBytes = outputBytes + Math.max(outputBytes, samplerBytes);
    return {mode, heldBytes, buildTemporaryBytes, outputBytes, lookupBytes, rowsPerChunk: height,
      peakBytes: heldBytes + Math.max(buildTemporaryBytes, lookupBytes)};
  }
  const pooledPositions = sizes.slice(1).reduce((sum, [h, w]) => sum + h * w, 0);
  const heldBytes = 2 * batch * channels * pooledPositions * FLOAT;
  const rowBytes = featureLookupRowBytes(batch, width, channels, radius, backend);
  const rowsPerChunk = Math.max(1, Math.min(height, Math.floor(chunkBytes / rowBytes)));
  const chunkShare = rowsPerChunk / height;
  const chunks = Math.ceil(height / rowsPerChunk);
  // One level's temporaries, the sliced query and coords rows (no slices when one chunk takes all rows),
  // and the chunk's per-level results and their joins.
  const sliceBytes = chunks === 1 ? 0 : rowsPerChunk * batch * width * (channels + 2) * FLOAT;
  const chunkBytesUsed = rowsPerChunk * rowBytes + sliceBytes + 3 * chunkShare * outputBytes;
  const lookupBytes = chunks === 1 ? chunkBytesUsed : outputBytes + Math.max(outputBytes, chunkBytesUsed);
  return {mode, heldBytes, buildTemporaryBytes: 0, outputBytes, lookupBytes, rowsPerChunk,
    peakBytes: heldBytes + lookupBytes};
}
