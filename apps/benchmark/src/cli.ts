#!/usr/bin/env node
// daek-bench: the command-line entry point. The report goes to stdout; progress, status and errors to stderr.
import {parseCommandLine, USAGE, UsageError} from './args.js';
import {runBench} from './run.js';

/**
 * Run `daek-bench` with `argv` (without `node` and the script) and return the exit status: 0 on success,
 * 2 for a usage or data error (a message saying what is wrong and how to fix it), 1 for anything else.
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
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
    if (/folder not found|folder is incomplete|published frames for|weights not found|--method /.test(message)) return 2;
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
