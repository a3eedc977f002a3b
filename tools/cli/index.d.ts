/** Something that can be written to, like `process.stderr`. */
export interface ProgressStream {
  /** Write text. */
  write(text: string): unknown;
  /** True on a terminal. */
  isTTY?: boolean;
  /** Terminal width. */
  columns?: number;
}

/** Format seconds as `42s`, `3m05s`, `1h02m` or `2d03h` (`?` when not finite). */
export function formatDuration(seconds: number): string;
