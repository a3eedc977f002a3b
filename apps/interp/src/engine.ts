// What the commands need from a model: the middle frame of two 8-bit RGB frames. The real engines wrap
// @daek/models' createInterpolator (tfjs) or the ONNX Runtime engine; tests inject a cheap deterministic one.
import type {RgbImage} from '@daek/datasets';

/** Inference engines `--engine` accepts. */
export type EngineName = 'onnxruntime' | 'tfjs';

/** Settings of an engine. */
export interface EngineOptions {
  /** Which runtime. */
  engine: EngineName;
  /** Threads for the runtime (ONNX Runtime's intra-op threads; tfjs-wasm in Node runs one). */
  threads?: number;
  /** Model name (default: what `createInterpolator()` loads with no model). */
  model?: string;
  /** Weights file (tfjs `model.json`, `.pth`, `.onnx`). */
  weights?: string;
  /** Estimate motion at this fraction of the resolution and warp at full resolution (default 1). */
  scale?: number;
  /** Average the middle frames of (a, b) and (b, a): better frames at twice the time (default false). */
  ensemble?: boolean;
  /**
   * Flow search refinement after each network pass (`createInterpolator({refine})`, a test-time extension, not in the
   * DAEK paper). `true`: `--refine`, explicit (refused with `scale` < 1, and large frames are not scaled automatically).
   * `false`: `--no-refine`. Undefined: the default, on, resolved by {@link autoScale}: off, with a note, when the network
   * runs at a reduced scale (it needs the network's full-resolution flow).
   */
  refine?: boolean;
}

/** A loaded model that makes middle frames. */
export interface Engine {
  /** Runtime name, for the summary. */
  readonly name: string;
  /** Model name, for the summary. */
  readonly model: string;
  /** Where the weights came from, for the summary. */
  readonly weights: string;
  /** The frame halfway between `a` and `b` (same size, 8-bit RGB). */
  middle(a: RgbImage, b: RgbImage): Promise<RgbImage>;
  /** Release the model. */
  dispose(): void;
}

/** Creates an engine; the commands take one so that tests can pass a cheap one. */
export type EngineFactory = (options: EngineOptions) => Promise<Engine>;

/** An `RgbImage` view of pixel bytes of any 8-bit array type (no copy). */
export function asRgbImage(data: Uint8Array | Uint8ClampedArray, width: number, height: number): RgbImage {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return {data: bytes, width, height};
}

/** Dispose an engine without letting a failure there (e.g. after wasm ran out of memory) hide the error in flight. */
export function disposeQuietly(engine: Engine): void {
  try {
    engine.dispose();
  } catch {
    // the run is over; the first error is the one to report
  }
}

/** Network input above which the tfjs engine gets `--scale` automatically (1080p: what fits tfjs-wasm's 4 GiB heap). */
export const AUTO_SCALE_ABOVE = 1920 * 1088;

/** What {@link autoScale} decided. */
export interface ScaleChoice {
  /** The engine settings to use. */
  options: EngineOptions;
  /** The message for the user, or null when nothing changed. */
  note: string | null;
}

/**
 * Decide the network's scale and whether to refine. tfjs engine, frames larger than 1080p, neither `--scale` nor `--tile`
 * given: estimate motion at the largest power-of-two fraction of the resolution that is at most 1080p (4K -> 0.5), as
 * RIFE advises for 4K; an explicit `--refine` keeps full resolution instead. Then the default refinement (neither
 * `--refine` nor `--no-refine`) is resolved: on at full resolution, off at a reduced scale (given or chosen here),
 * which the note says. The returned options always carry `refine: true` or `false`. Returns the settings to use and
 * the message to give (one line; null when there is nothing to say).
 */
export function autoScale(options: EngineOptions, width: number, height: number, tiled: boolean): ScaleChoice {
  let chosen = options;
  let note: string | null = null;
  if (options.engine === 'tfjs' && options.scale === undefined && !tiled && width * height > AUTO_SCALE_ABOVE) {
    if (options.refine === true) {
      // An explicit --refine searches the full-resolution flow: no automatic --scale, and the user is told.
      note = `${width}x${height} frames: --refine runs the network at full resolution (no automatic --scale); ` +
        'if memory runs out, add --tile N or use --engine onnxruntime';
    } else {
      let scale = 1;
      while (width * height * scale * scale > AUTO_SCALE_ABOVE) scale /= 2;
      chosen = {...options, scale};
      note = `${width}x${height} frames: motion is estimated at --scale ${scale} (warped at full resolution) to stay within memory; ` +
        'pass --scale 1 to force full resolution, or --tile N';
      if (options.refine === undefined) {
        note += '; flow search refinement is off because the network runs at reduced scale (pass --refine to refine at ' +
          'full resolution, --no-refine to go without it)';
      }
    }
  }
  if (chosen.refine === undefined) {
    const scale = chosen.scale ?? 1;
    chosen = {...chosen, refine: scale === 1};
    if (scale !== 1 && note === null) {
      note = `flow search refinement is off because the network runs at reduced scale (--scale ${scale}); pass --scale 1 ` +
        '(or drop --scale) to refine, or --no-refine to go without it';
    }
  }
  return {options: chosen, note};
}
