// The playground's automation API: `window.daekPlayground`, for tests and scripts that should not know the DOM.

/** Inference engines the playground can run. `onnx` is ONNX Runtime Web (when @daek/onnx is available). */
export type EngineName = 'tfjs' | 'onnx';

/**
 * Backends: for tfjs `wasm`, `webgpu`, `webgl` (or `cpu`, the slow reference); for ONNX Runtime Web `wasm`,
 * `webgpu`. `auto` picks WebGPU when an adapter exists, else wasm, and the page says why.
 */
export type BackendChoice = 'auto' | 'wasm' | 'webgpu' | 'webgl' | 'cpu';

/** Arguments of {@link DaekPlayground.run}. */
export interface RunOptions {
  /** URL of the first frame (any image the browser decodes; blob: and data: URLs work). */
  frame0Url: string;
  /** URL of the second frame, the same size as the first. */
  frame1Url: string;
  /** Engine (default `tfjs`). */
  engine?: EngineName;
  /** Backend (default `auto`). */
  backend?: BackendChoice;
  /** Time of the output between frame 0 (0) and frame 1 (1); default 0.5. */
  t?: number;
  /** `daek-s` (the shipped, trained default) or the URL of a tfjs-format model.json. */
  model?: string;
  /** Flow search refinement after each network pass (default true, as in `createInterpolator()`; the page's checkbox). */
  refine?: boolean;
}

/** What {@link DaekPlayground.run} returns. */
export interface RunResult {
  /** Width of the frames. */
  width: number;
  /** Height of the frames. */
  height: number;
  /** The interpolated frame, RGBA bytes, `width·height·4` (alpha 255). */
  rgba: Uint8ClampedArray;
  /** Milliseconds the interpolation took (decoding and model loading excluded). */
  ms: number;
  /** The engine that ran. */
  engine: EngineName;
  /** The backend that ran (never `auto`). */
  backend: Exclude<BackendChoice, 'auto'>;
}

/** The object the page installs as `window.daekPlayground`. */
export interface DaekPlayground {
  /** Interpolate one frame between two images, as the page's Run button does (and show it in the page). */
  run(options: RunOptions): Promise<RunResult>;
  /** Resolves once the page is ready (the hook works before, but waits for this). */
  ready: Promise<void>;
  /** Threads the wasm backends run on (1 without cross-origin isolation), once known. */
  threads(): number;
}
