// What the benchmark needs from an interpolation method: a frame for each triplet, and an honest account of
// itself (weights and their hash, padding, parameter count) for the protocol block.
import type {RawTriplet} from '@daek/datasets';
import type {Prediction} from '../metrics.js';

/** The weights a method runs with, as the protocol block prints them. */
export interface WeightsInfo {
  /** The file or folder given (absolute), or undefined for random init. */
  path?: string;
  /** sha256 of the file (of every file, in name order, for a folder). */
  sha256?: string;
  /** True when no trained weights were given or shipped and the model runs with its random init. */
  random: boolean;
  /** One line for the protocol: "no trained weights shipped: random init", or where the weights came from. */
  note: string;
}

/** How a method pads frames before running (spec §6: replicate to a multiple of 32, centred). */
export interface PaddingInfo {
  /** Fill of the new pixels. */
  mode: 'replicate' | 'zero';
  /** Height and width are padded up to a multiple of this. */
  multiple: number;
  /** Smaller sides are padded up to at least this (DAEK needs 128, spec §1.1). */
  minSize: number;
}

/** A method's description, printed in the protocol block and saved in the JSON. */
export interface MethodInfo {
  /** Row label, e.g. `daek`, `daek:daek-f-ca`, `rife`, `frame average`, `reference (frame_01_ours.png)`. */
  name: string;
  /** What sort of method: a network, frame averaging, published frames, or an external tool (ffmpeg). */
  kind: 'model' | 'average' | 'reference' | 'external';
  /** The model preset (model methods). */
  preset?: string;
  /** Weights (model methods). */
  weights?: WeightsInfo;
  /** Trainable parameters the method runs with (student only), when known. */
  parameters?: number;
  /** Parameters including the training-only teacher, when known (the paper's Table I counts these, spec A19). */
  parametersWithTeacher?: number;
  /** Padding before the forward pass; undefined when the method needs none. */
  padding?: PaddingInfo;
  /** Where reference frames are read from (reference methods), or the external tool's settings. */
  source?: string;
  /** Other facts worth printing. */
  notes: string[];
}

/**
 * An interpolation method under test. `prepare` loads what it needs (weights, backend state); `predict`
 * returns the middle frame of one triplet at the triplet's size; `dispose` frees everything.
 */
export interface Method {
  /** Row label (same as `describe().name`). */
  readonly name: string;
  /** The description for the protocol; complete after `prepare`. */
  describe(): MethodInfo;
  /** Load weights and build the model (idempotent). */
  prepare(): Promise<void>;
  /** The interpolated frame for `triplet` (float [0, 1] or 8-bit), `[H, W, 3]` at the triplet's size. */
  predict(triplet: RawTriplet): Promise<Prediction>;
  /** Free the model (idempotent). */
  dispose(): void;
}
