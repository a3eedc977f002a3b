// Errors the user can fix: the CLI prints them as one line, `daek-interp: <code>: <message>`, and exits with 2.

/** What kind of bad input an {@link InterpError} reports. */
export type InterpErrorCode =
  | 'usage' | 'not-a-video' | 'no-video-stream' | 'zero-frames' | 'size-mismatch' | 'unreadable-image'
  | 'missing-ffmpeg' | 'unwritable-output' | 'output-exists' | 'output-is-input' | 'input-not-found'
  | 'encoder' | 'container' | 'resume' | 'engine' | 'weights' | 'out-of-memory';

/** A problem with the user's input or set-up; the message names it and says how to fix it. Exit status 2. */
export class InterpError extends Error {
  /** The kind of problem (printed before the message). */
  readonly code: InterpErrorCode;

  /** @param code the kind of problem. @param message what is wrong and how to fix it. */
  constructor(code: InterpErrorCode, message: string) {
    super(message);
    this.name = 'InterpError';
    this.code = code;
  }
}

/** Thrown when the user stops a run (Ctrl-C); what is complete is kept for `--resume`. */
export class StoppedError extends Error {
  constructor(message = 'stopped') {
    super(message);
    this.name = 'StoppedError';
  }
}
