// The frames between two inputs: copied when the inputs are identical (no network), the nearest input of the same
// shot (or a cross-fade with --scene-cut blend) across a scene cut, otherwise the network by bisection.
import {sceneDistance, type RgbImage} from '@daek/datasets';
import {gridIndex, PairBisection, type MiddleFn} from './bisection.js';

/** What to do at a scene cut. */
export type SceneCutMode = 'duplicate' | 'blend';

/** Settings of {@link PairFrames}. */
export interface PairSettings {
  /** Bisection depth (t on a grid of 2^-depth). */
  depth: number;
  /** Scene distance above which a pair is a cut; null turns detection off. */
  sceneThreshold: number | null;
  /** `duplicate` (default: no frame mixes two shots) or `blend` (cross-fade). */
  sceneCut: SceneCutMode;
}

/** Counts over a job. */
export interface PairStats {
  /** Scene cuts detected. */
  cuts: number;
  /** Output frames made by the network. */
  interpolated: number;
  /** Network passes (an output frame at t = 1/4 may need two; shared frames count once). */
  passes: number;
  /** Output frames copied because the two inputs were identical. */
  identical: number;
  /** Output frames filled with an input frame at a cut. */
  duplicatedAtCuts: number;
  /** Output frames cross-faded at a cut. */
  blendedAtCuts: number;
  /** Output frames that are an input frame unchanged (t = 0, or t rounded to 0 or 1). */
  keptInputFrames: number;
}

/** Fresh zero counts. */
export function emptyStats(): PairStats {
  return {cuts: 0, interpolated: 0, passes: 0, identical: 0, duplicatedAtCuts: 0, blendedAtCuts: 0, keptInputFrames: 0};
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function crossFade(a: RgbImage, b: RgbImage, t: number): RgbImage {
  const data = new Uint8Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(a.data[i]! * (1 - t) + b.data[i]! * t);
  return {data, width: a.width, height: a.height};
}

/** One input pair and the frames asked of it. */
export class PairFrames {
  /** Whether the pair straddles a scene cut. */
  readonly cut: boolean;
  /** Whether the two frames are byte-identical. */
  readonly identical: boolean;
  private bisection: PairBisection | null = null;

  /**
   * @param a first frame.
   * @param b second frame.
   * @param settings depth and scene-cut handling.
   * @param middle one network pass.
   * @param stats counts to update.
   */
  constructor(private readonly a: RgbImage, private readonly b: RgbImage, private readonly settings: PairSettings,
      private readonly middle: MiddleFn, private readonly stats: PairStats) {
    this.identical = equalBytes(a.data, b.data);
    this.cut = !this.identical && settings.sceneThreshold !== null && sceneDistance(a, b) > settings.sceneThreshold;
    if (this.cut) stats.cuts++;
  }

  /** The frame at t in [0, 1]. */
  async at(t: number): Promise<RgbImage> {
    const {depth, sceneCut} = this.settings;
    const n = gridIndex(t, depth);
    const size = 2 ** depth;
    if (n === 0 || n === size) {
      this.stats.keptInputFrames++;
      return n === 0 ? this.a : this.b;
    }
    if (this.identical) {
      this.stats.identical++;
      return this.a;
    }
    if (this.cut) {
      if (sceneCut === 'blend') {
        this.stats.blendedAtCuts++;
        return crossFade(this.a, this.b, t);
      }
      this.stats.duplicatedAtCuts++;
      return t < 0.5 ? this.a : this.b;
    }
    this.bisection ??= new PairBisection(this.a, this.b, depth, this.middle);
    const before = this.bisection.passes;
    const frame = await this.bisection.at(n);
    this.stats.passes += this.bisection.passes - before;
    this.stats.interpolated++;
    return frame;
  }
}
