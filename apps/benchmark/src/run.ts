// One benchmark run: check the data, start the backend, build the methods, score every (method, set) pair,
// time the methods, write the report. The CLI parses flags into BenchOptions and calls runBench.
import {existsSync} from 'node:fs';
import {rmdir} from 'node:fs/promises';
import path from 'node:path';
import {lockFolder, writing} from '@daek/cli-support';
import * as tf from '@tensorflow/tfjs';
import {useBackend, type BackendName} from '@daek/flow-ops';
import {checkSet, type EvalSet} from './eval_sets.js';
import {evaluateSet} from './evaluate.js';
import {describeBackend, machineInfo} from './machine.js';
import type {Method, MethodInfo, PaddingInfo} from './methods/method.js';
import type {BenchEngine, ModelsModule} from './methods/method_model.js';
import {createMethod, parseMethodSpec, type MethodSpec} from './methods/parse.js';
import type {ReferenceMethod} from './methods/reference.js';
import type {ProgressStream} from './progress.js';
import type {BackendRuntime, Command, MethodRun, RunData} from './report/run_data.js';
import {reportFiles, writeReport, type Report} from './report/write.js';
import {measureRuntime} from './timing.js';
import {TripletLog} from './triplet_log.js';

/**
 * Methods each command runs when no `--method` is given. The embedded default shows only what a user would pick
 * from: the shipped default model (what `createInterpolator()` loads) and the two classical baselines. Table I and
 * Middlebury add the paper's networks, which run untrained when no weights ship for them (and say so).
 */
export const DEFAULT_METHODS: Readonly<Record<Command, readonly string[]>> = {
  default: ['default', 'average', 'minterpolate'],
  table1: ['default', 'daek', 'rife', 'average', 'minterpolate'],
  table2: ['daek:baseline', 'daek:daek-f-ca', 'daek:daek-f-sfa', 'daek:daek-f-da', 'daek:daek-da'],
  table3: ['daek:daek-no-distill', 'daek:daek-rt', 'daek:daek-ot', 'daek:rife-ot'],
  middlebury: ['default', 'daek', 'rife', 'average', 'minterpolate'],
  runtime: ['default', 'daek', 'rife', 'average', 'minterpolate'],
};

/** Everything a run needs (the CLI builds this from flags). */
export interface BenchOptions {
  /** The command. */
  command: Command;
  /** The command line as given (for the record). */
  argv: string[];
  /** Evaluation sets, in column order (empty for `runtime`). */
  sets: EvalSet[];
  /** `--method` specs, or the command's defaults. */
  methods: readonly string[];
  /** True when the methods came from `--method` (then a method that cannot run is an error, not a table note). */
  explicitMethods: boolean;
  /** `--weights` map. */
  weights: ReadonlyMap<string, string>;
  /** Backend the sets are scored on. */
  backend: BackendName;
  /** Backends of the `runtime` command. */
  backends: readonly BackendName[];
  /** wasm threads, or ONNX Runtime's with `engine: 'onnxruntime'` (`--threads`; default 1, the CLI's default is the logical cores). */
  threads?: number;
  /** The engine of the network methods (`--engine`; default tfjs). */
  engine?: BenchEngine;
  /** Frame sizes of the `runtime` command, `[width, height]`. */
  sizes: readonly (readonly [number, number])[];
  /** Score at most this many triplets per set. */
  limit?: number;
  /** Reuse rows of the per-triplet CSV. */
  resume: boolean;
  /** Output folder. */
  out: string;
  /** Warm-up runs before timing. */
  warmup: number;
  /** Timed runs (0: no runtime column). */
  runs: number;
  /** Padding of the model methods. */
  padding: Partial<PaddingInfo>;
  /** File pattern of reference methods. */
  referencePattern?: string;
  /** No progress bars. */
  quiet: boolean;
  /** Notes for the top of the report. */
  notes: string[];
  /** Where progress and status lines go (default stderr). */
  stderr?: ProgressStream;
  /** Injected @daek/models (tests). */
  models?: ModelsModule;
}

function say(options: BenchOptions, line: string): void {
  if (!options.quiet) (options.stderr ?? process.stderr).write(`[daek-bench] ${line}\n`);
}

/** Refuse to start when a reference method lacks frames for a set: list them (first 20 and a count). */
function checkReferences(methods: Method[], sets: readonly EvalSet[], limit: number | undefined): void {
  for (const method of methods) {
    if (method.describe().kind !== 'reference') continue;
    const reference = method as ReferenceMethod;
    for (const set of sets) {
      const ids = set.open(limit).ids ?? [];
      const missing = reference.missing(ids);
      if (missing.length === 0) continue;
      const list = missing.slice(0, 20).map((f) => `  missing: ${f}`).join('\n');
      const more = missing.length > 20 ? `\n  ... and ${missing.length - 20} more` : '';
      throw new Error(`${method.name}: ${missing.length} of the ${ids.length} published frames for ${set.label} are missing ` +
          `(pattern ${method.describe().source}).\n${list}${more}`);
    }
  }
}

async function prepareOrExplain(method: Method, spec: MethodSpec, options: BenchOptions): Promise<string | undefined> {
  try {
    await method.prepare();
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    if (options.explicitMethods) throw new Error(`--method ${spec.text}: ${message}`);
    say(options, `${method.name} unavailable: ${message}`);
    return message;
  }
}

/**
 * Run a benchmark command and write its report (results.md, results.json, chart.png; triplets.csv as it
 * goes) into `options.out`. The folder is locked for the run (@daek/cli-support's `lockFolder`): a second
 * daek-bench writing the same folder is refused with an error naming the process that holds it.
 *
 * @throws Error listing what is missing when a dataset folder is absent or incomplete, naming the flag.
 */
export async function runBench(options: BenchOptions): Promise<Report> {
  const created = !existsSync(options.out);
  const lock = await writing(options.out, () => lockFolder(options.out, {command: ['daek-bench', ...options.argv].join(' ')}));
  try {
    return await runBenchLocked(options);
  } finally {
    lock.release();
    if (created) await rmdir(options.out).catch(() => {}); // nothing written (an error before the first file)
  }
}

/** useBackend options: the thread count applies to wasm only. */
function wasmOptions(backend: BackendName, threads: number | undefined): {threads?: number} {
  return backend === 'wasm' && threads !== undefined ? {threads} : {};
}

async function runBenchLocked(options: BenchOptions): Promise<Report> {
  const startedAt = new Date().toISOString();
  for (const set of options.sets) checkSet(set);
  const specs = options.methods.map(parseMethodSpec);
  const backendInfo = await useBackend(options.backend, wasmOptions(options.backend, options.threads));
  const backend = await describeBackend(backendInfo.adapter);
  const machine = await machineInfo(backendInfo.adapter);
  const context = {weights: options.weights, backend: options.backend, padding: options.padding,
    engine: options.engine, threads: options.threads,
    referencePattern: options.referencePattern, models: options.models};
  const methods = specs.map((spec) => createMethod(spec, context));
  checkReferences(methods, options.sets, options.limit);
  const files = reportFiles(options.out);
  const log = new TripletLog(files.csv, {resume: options.resume});
  if (options.resume && log.resumedKeys().length === 0) say(options, `--resume: nothing to resume in ${files.csv}; starting afresh`);
  const notes = [...options.notes];
  const runs: MethodRun[] = [];

  if (options.command === 'runtime') {
    const timings = new Map<string, BackendRuntime[]>();
    const unavailable = new Map<string, string>();
    const described = new Map<string, MethodInfo>();
    for (const spec of specs) {
      if (spec.kind === 'reference') unavailable.set(spec.text, 'published frames have no runtime to measure');
    }
    for (const name of options.backends) {
      const info = await useBackend(name, wasmOptions(name, options.threads));
      // With ONNX Runtime the backend only handles the frames: the row names the engine and its threads.
      const backendName = options.engine === 'onnxruntime' ?
        `onnxruntime-node cpu, ${options.threads ?? 1} thread${options.threads === 1 || options.threads === undefined ? '' : 's'} (frames on tfjs ${name})` :
        await describeBackend(info.adapter);
      for (const spec of specs.filter((s) => !unavailable.has(s.text))) {
        const method = createMethod(spec, {...context, backend: name});
        const reason = await prepareOrExplain(method, spec, options);
        if (reason) {
          unavailable.set(spec.text, reason);
          continue;
        }
        described.set(spec.text, method.describe());
        for (const [width, height] of options.sizes) {
          say(options, `timing ${method.name} at ${width}x${height} on ${backendName} (${options.warmup} warm-up + ${options.runs} runs)`);
          const result = await measureRuntime(method, {width, height, warmup: options.warmup, runs: Math.max(1, options.runs)});
          timings.set(spec.text, [...(timings.get(spec.text) ?? []), {...result, backend: backendName}]);
        }
        method.dispose();
      }
    }
    await useBackend(options.backend);
    specs.forEach((spec, i) => {
      runs.push({spec: spec.text, info: described.get(spec.text) ?? methods[i].describe(), unavailable: unavailable.get(spec.text),
        runtime: timings.get(spec.text) ?? [], results: []});
    });
  } else {
    for (const [i, method] of methods.entries()) {
      const spec = specs[i];
      const before = tf.memory().numTensors;
      const reason = await prepareOrExplain(method, spec, options);
      const run: MethodRun = {spec: spec.text, info: method.describe(), runtime: [], results: []};
      if (reason) run.unavailable = reason;
      runs.push(run);
      if (reason) continue;
      if (options.runs > 0 && (options.command === 'default' || options.command === 'table1')) {
        say(options, `timing ${method.name} at 448x256 (${options.warmup} warm-up + ${options.runs} runs)`);
        run.runtime.push({...await measureRuntime(method, {width: 448, height: 256, warmup: options.warmup, runs: options.runs}), backend});
      }
      for (const set of options.sets) {
        run.results.push(await evaluateSet(method, set, {log, limit: options.limit, backend, quiet: options.quiet, stream: options.stderr}));
      }
      run.info = method.describe();
      method.dispose();
      const leaked = tf.memory().numTensors - before;
      if (leaked !== 0) {
        notes.push(`**Warning:** \`${method.name}\` left ${leaked} tfjs tensor(s) allocated after its dispose() ` +
            `(${method.describe().kind === 'model' ? 'inside @daek/models: the benchmark\'s own per-triplet path is leak-tested' : 'a leak'}).`);
      }
    }
  }

  const data: RunData = {
    command: options.command, argv: options.argv, startedAt, sets: options.sets, methods: runs, machine, backend,
    limit: options.limit, runtime: {warmup: options.warmup, runs: options.runs}, notes,
  };
  const report = await writeReport(data, options.out);
  const relative = path.relative(process.cwd(), options.out);
  const shown = relative === '' ? '.' : relative.startsWith('..') ? options.out : relative;
  say(options, `wrote ${path.join(shown, 'results.md')}, results.json, chart.png, triplets.csv`);
  return report;
}
