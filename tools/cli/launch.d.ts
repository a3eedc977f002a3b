// Types of launch.mjs (`@daek/cli-support/launch`).

/** Options of {@link launch}. */
export interface LaunchOptions {
  /** Seconds the app may run on after the launcher died before it is killed (default 3). */
  graceSeconds?: number;
}

/**
 * Run the app beside a `bin/*.mjs` (`../src/cli.ts` through tsx, or `../dist/cli.js`) with the command-line
 * arguments, forward SIGINT/SIGTERM to it, exit with its status, and make sure it never outlives the launcher by
 * more than `graceSeconds`.
 */
export function launch(name: string, binUrl: string, options?: LaunchOptions): void;
