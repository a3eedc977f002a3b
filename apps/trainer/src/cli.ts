#!/usr/bin/env node
// daek-train: the command-line entry point. Progress and messages go to stderr; --benchmark prints to stdout.
import {parseCommandLine, USAGE, UsageError} from './args.js';
import {benchmarkSteps} from './benchmark.js';
import {train} from './run.js';

/** Exit status after a signal: 128 + its number (SIGINT 130, SIGTERM 143). */
export const SIGNAL_STATUS: Readonly<Record<string, number>> = Object.freeze({SIGINT: 130, SIGTERM: 143});

/**
 * Run `daek-train` with `argv` (without `node` and the script) and return the exit status: 0 on success, 2 for a
 * usage or data error (a message saying what is wrong), 130 / 143 after Ctrl-C / SIGTERM (a checkpoint was
 * written), 1 for anything else.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let requested: string | null = null;
  let requestedAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (requested === null) {
      requested = signal;
      requestedAt = now;
      process.stderr.write(`\ndaek-train: ${signal}: finishing this step, then writing a checkpoint (again to quit at once)\n`);
    } else if (now - requestedAt > 1000) {
      // A second request (not the same Ctrl-C delivered to both the launcher and this process): quit now.
      process.stderr.write(`daek-train: ${signal} again: exiting without a checkpoint\n`);
      process.exit(SIGNAL_STATUS[signal] ?? 1);
    }
  };
  try {
    const parsed = parseCommandLine(argv);
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const {options} = parsed;
    if (parsed.benchmark !== null) {
      const spec = options.settings.model;
      const result = await benchmarkSteps({model: spec, backend: options.backend ?? 'wasm', crop: options.settings.crop,
        batch: options.settings.batch, microBatch: options.settings.microBatch > 0 ? options.settings.microBatch : undefined, steps: parsed.benchmark,
        warmup: parsed.benchmarkWarmup,
        onStep: (i, s) => process.stderr.write(`${i < 0 ? 'warm-up' : `step ${i + 1}/${parsed.benchmark}`}: ${s.toFixed(2)} s\n`)});
      const line = `${spec.model} ${spec.preset} (teacher ${result.teacher}, ${(result.parameters.total / 1e6).toFixed(2)}M params) ` +
        `${result.backend} ${options.settings.crop}x${options.settings.crop} batch ${options.settings.batch}: ` +
        `${result.samplesPerSecond.toPrecision(3)} samples/s (${result.stepSeconds.map((s) => s.toFixed(2)).join(', ')} s/step; ` +
        `warm-up ${result.warmupSeconds.map((s) => s.toFixed(2)).join(', ')} s)`;
      process.stdout.write(`${line}\n${JSON.stringify(result)}\n`);
      return 0;
    }
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const result = await train({...options, shouldStop: () => requested});
    return result.stopped === 'done' ? 0 : SIGNAL_STATUS[result.stopped] ?? 1;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`daek-train: error: ${message}\n`);
    if (error instanceof UsageError) return 2;
    // data the user must fix (missing or empty folders, bad layouts, resume mistakes): same status as a usage error
    if (/not found|no triplets|no frames|no sample folders|nothing to train|--resume|--restart|already holds|smaller than the|make no batch|in use by another process|read-only|no space left|^memory:|this run .*, flags/.test(message)) {
      return 2;
    }
    if (process.env.DAEK_TRAIN_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// Run when executed directly (bin/daek-train.mjs, tsx src/cli.ts, node dist/cli.js), not when imported.
const entry = process.argv[1] ?? '';
if (/(^|[\\/])cli\.(ts|js)$/.test(entry)) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
