#!/usr/bin/env node
// daek-bench: the command-line entry point. The report goes to stdout; progress, status and errors to stderr.
import {parseCommandLine, USAGE, UsageError} from './args.js';
import {decimateCommand} from './decimate/command.js';
import {runBench} from './run.js';

/**
 * Under `npm start` (root: `npm start -w @daek/benchmark`) npm runs the script in apps/benchmark; work from the
 * folder the user ran npm in (`INIT_CWD`), so that relative paths and the default `daek-bench-results/` resolve
 * there and the paths the run prints agree with where the files are.
 */
export function workFromWhereNpmRan(env: NodeJS.ProcessEnv = process.env): void {
  if (env.npm_lifecycle_event === 'start' && env.npm_package_name === '@daek/benchmark' && env.INIT_CWD) process.chdir(env.INIT_CWD);
}

/**
 * Run `daek-bench` with `argv` (without `node` and the script) and return the exit status: 0 on success,
 * 2 for a usage or data error (a message saying what is wrong and how to fix it), 1 for anything else.
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    workFromWhereNpmRan();
    if (argv[0] === 'decimate') return await decimateCommand(argv.slice(1));
    const parsed = parseCommandLine(argv);
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const report = await runBench(parsed.options);
    process.stdout.write(report.markdown);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`daek-bench: error: ${message}\n`);
    if (error instanceof UsageError) return 2;
    // missing or partial data and bad weights are the user's to fix: same status as a usage error
    if (/folder not found|folder is incomplete|published frames for|weights not found|--method |cannot write |cannot create |ffmpeg not found|video file not found|not a file: |failed to decode|gave no frame|in use by another process|read-only|no space left/.test(message)) return 2;
    if (process.env.DAEK_BENCH_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

// Run when executed directly (bin/daek-bench.mjs, tsx src/cli.ts, node dist/cli.js), not when imported.
const entry = process.argv[1] ?? '';
if (/(^|[\\/])cli\.(ts|js)$/.test(entry)) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
