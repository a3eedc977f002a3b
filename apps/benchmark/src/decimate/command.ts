// The `decimate` command of the daek-bench CLI: parse, run, print.
import {UsageError} from '../args.js';
import {DECIMATE_USAGE, parseDecimateArgs} from './args.js';
import {runDecimate} from './run.js';

/**
 * Run `daek-bench decimate` with the arguments after `decimate`: the report goes to stdout.
 *
 * @returns the exit status (0).
 * @throws UsageError for bad flags; Error for a missing file, a missing ffmpeg or a failed run.
 */
export async function decimateCommand(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseDecimateArgs(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (options === null) {
    process.stdout.write(`${DECIMATE_USAGE}\n`);
    return 0;
  }
  const report = await runDecimate(options);
  process.stdout.write(report.markdown);
  return 0;
}
