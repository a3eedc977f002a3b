// Named errors of the ONNX engine: each says what went wrong and the way out.

/** Why an `.onnx` file was refused. */
export type OnnxModelProblem = 'corrupt' | 'not-daek' | 'mismatch';

/** A corrupt or truncated `.onnx`, an `.onnx` of another model, or one that does not match the weights/model asked for. */
export class OnnxModelError extends Error {
  /** `'OnnxModelError'`. */
  override readonly name = 'OnnxModelError';

  /**
   * @param problem which check failed.
   * @param message what was found and what to do.
   */
  constructor(readonly problem: OnnxModelProblem, message: string, options?: {cause?: unknown}) {
    super(message, options);
  }
}

/** The ONNX Runtime package for this environment is not installed (both runtimes are optional peer dependencies). */
export class OnnxRuntimeMissingError extends Error {
  /** `'OnnxRuntimeMissingError'`. */
  override readonly name = 'OnnxRuntimeMissingError';

  /** @param runtime the package that could not be loaded. */
  constructor(readonly runtime: string, options?: {cause?: unknown}) {
    super(`The ONNX engine needs ${runtime}, which is not installed: npm install ${runtime} ` +
      `(or use engine: 'tfjs').`, options);
  }
}

/** An execution provider that was asked for explicitly is not available here (never replaced silently). */
export class OnnxBackendUnavailableError extends Error {
  /** `'OnnxBackendUnavailableError'`. */
  override readonly name = 'OnnxBackendUnavailableError';

  /** @param executionProvider the provider asked for. */
  constructor(readonly executionProvider: string, reason: string) {
    super(`ONNX Runtime execution provider '${executionProvider}' is not available: ${reason}`);
  }
}

/** The size of a network input `[batch, 3, height, width]`. */
export interface OnnxInputSize {
  /** Frames in the batch. */
  batch: number;
  /** Height in pixels. */
  height: number;
  /** Width in pixels. */
  width: number;
}

/** ONNX Runtime ran out of memory for a frame size. */
export class OnnxOutOfMemoryError extends Error {
  /** `'OnnxOutOfMemoryError'`. */
  override readonly name = 'OnnxOutOfMemoryError';

  /**
   * @param size the padded network input that was tried.
   * @param cause the runtime's own error.
   */
  constructor(readonly size: OnnxInputSize, cause: unknown) {
    super(`ONNX Runtime ran out of memory on a ${size.batch}x3x${size.height}x${size.width} input ` +
      `(${String((cause as Error)?.message ?? cause).split('\n')[0]}). Ways out: interpolate smaller frames or tiles of ` +
      'the frame, a batch of 1, a model exported with the memory-light correlation (exportOnnx {correlation: ' +
      "'memory-light'}), or the other engine (engine: 'tfjs').", {cause});
  }
}

/** True when a runtime error looks like an allocation failure (native bad_alloc, wasm heap exhaustion). */
export function isOutOfMemory(error: unknown): boolean {
  const text = `${(error as Error)?.name ?? ''} ${(error as Error)?.message ?? String(error)}`;
  return /bad_alloc|failed to allocate|out of memory|allocation fail|Aborted\(|memory access out of bounds|Array buffer allocation|WebAssembly\.Memory/i
    .test(text);
}
