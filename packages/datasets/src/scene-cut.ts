// Scene-cut detection: a triplet spanning a cut has no meaningful intermediate frame. The test is cheap:
// colour histograms of 32x32 thumbnails. Histograms ignore where things are, so fast motion scores low
// while a change of scene scores high.
import type {RgbImage} from './image.js';

// Math's functions bound once: in a vm context (jest) every lookup of a global such as `Math` is slow.
const {abs, floor, min} = Math;

/** Options of scene-cut detection. */
export interface SceneCutOptions {
  /**
   * Histogram distance in [0, 1] above which two consecutive frames are a cut (default 0.3). Calibrated on
   * the five clips of `shared/data/video-clips`: the one real cut (cityCC0, frames 115/116) scores 0.45,
   * the largest of the other 1,756 consecutive pairs (cockatoo, hand-held motion) 0.18.
   */
  threshold?: number;
}

/** Default of {@link SceneCutOptions.threshold}. */
export const DEFAULT_SCENE_CUT_THRESHOLD = 0.3;

const THUMBNAIL = 32;
const SAMPLES_PER_CELL = 4;
const BINS = 16;

/**
 * A frame's signature: the per-channel 16-bin histograms of its 32x32 thumbnail (each thumbnail pixel the
 * mean of a 4x4 grid of samples of its cell), normalised to sum 1 per channel.
 */
export function frameSignature(image: RgbImage): Float64Array {
  const {data, width, height} = image;
  const grid = THUMBNAIL * SAMPLES_PER_CELL;
  const xs = new Int32Array(grid);
  const ys = new Int32Array(grid);
  for (let i = 0; i < grid; i++) {
    xs[i] = min(width - 1, floor(((i + 0.5) * width) / grid));
    ys[i] = min(height - 1, floor(((i + 0.5) * height) / grid));
  }
  const histogram = new Float64Array(3 * BINS);
  const perCell = SAMPLES_PER_CELL * SAMPLES_PER_CELL;
  for (let cy = 0; cy < THUMBNAIL; cy++) {
    for (let cx = 0; cx < THUMBNAIL; cx++) {
      let r = 0, g = 0, b = 0;
      for (let j = 0; j < SAMPLES_PER_CELL; j++) {
        const row = ys[cy * SAMPLES_PER_CELL + j] * width;
        for (let i = 0; i < SAMPLES_PER_CELL; i++) {
          const o = (row + xs[cx * SAMPLES_PER_CELL + i]) * 3;
          r += data[o];
          g += data[o + 1];
          b += data[o + 2];
        }
      }
      histogram[min(BINS - 1, floor(r / perCell / 16))] += 1;
      histogram[BINS + min(BINS - 1, floor(g / perCell / 16))] += 1;
      histogram[2 * BINS + min(BINS - 1, floor(b / perCell / 16))] += 1;
    }
  }
  const cells = THUMBNAIL * THUMBNAIL;
  for (let i = 0; i < histogram.length; i++) histogram[i] /= cells;
  return histogram;
}

/** Distance between two signatures in [0, 1]: half the L1 distance of each channel's histogram, averaged. */
export function signatureDistance(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += abs(a[i] - b[i]);
  return sum / 6;
}

/**
 * Scene distance between two frames in [0, 1]: the per-channel 16-bin colour histograms of their 32x32
 * thumbnails, compared by half their L1 distance, averaged over R, G, B. Above the threshold
 * ({@link DEFAULT_SCENE_CUT_THRESHOLD} unless set) is a scene cut.
 */
export function sceneDistance(a: RgbImage, b: RgbImage): number {
  return signatureDistance(frameSignature(a), frameSignature(b));
}

/** The threshold in force, or null when detection is off (`sceneCut: false`). */
export function resolveSceneCut(option: SceneCutOptions | false | undefined, what: string): number | null {
  if (option === false) return null;
  const threshold = option?.threshold ?? DEFAULT_SCENE_CUT_THRESHOLD;
  if (!(threshold > 0 && threshold <= 1)) {
    throw new Error(`${what}: options.sceneCut.threshold: expected a number in (0, 1], received ${threshold}`);
  }
  return threshold;
}
