// Score one method on one evaluation set: every triplet predicted, rounded and scored by metrics.ts, one CSV
// line each, a progress bar over the set, and rows of an earlier identical run reused under --resume.
import {createHash} from 'node:crypto';
import type {RawTriplet} from '@daek/datasets';
import type {EvalSet} from './eval_sets.js';
import {scoreTriplet, type TripletScores} from './metrics.js';
import type {Method, MethodInfo} from './methods/method.js';
import {Progress, type ProgressStream} from './progress.js';
import {median} from './timing.js';
import type {TripletLog, TripletRow} from './triplet_log.js';

/** One method's result on one set. */
export interface SetResult {
  /** The set's key (`vimeo`, `ucf101`, ...). */
  set: string;
  /** The method's row label. */
  method: string;
  /** Triplets scored (fresh and resumed). */
  count: number;
  /** Triplets in the folder (before `--limit`). */
  available: number;
  /** Size of the full published set, when known. */
  fullSize?: number;
  /** True when `--limit` cut the set short. */
  limited: boolean;
  /** True when every triplet of the full published set was scored. */
  complete: boolean;
  /** Rows reused from the CSV of an earlier run. */
  resumed: number;
  /** Means over the triplets. */
  means: TripletScores;
  /** Median wall time of predict over the fresh triplets (ms; NaN when all were resumed). */
  medianMs: number;
  /** Hash of the configuration (CSV `run_key`). */
  runKey: string;
  /** The per-triplet rows in set order. */
  rows: TripletRow[];
}

/** Options of {@link evaluateSet}. */
export interface EvaluateOptions {
  /** The per-triplet CSV (and the rows to resume from). */
  log: TripletLog;
  /** Score at most this many triplets (the first of the set's order). */
  limit?: number;
  /** Backend description, part of the run key. */
  backend: string;
  /** Triplets decoded ahead of the model (default 2). */
  prefetch?: number;
  /** No progress bar. */
  quiet?: boolean;
  /** Where the progress bar goes (default stderr). */
  stream?: ProgressStream;
}

/** The configuration hash that ties CSV rows to one method, weights, padding, set and backend. */
export function runKey(info: MethodInfo, set: EvalSet, backend: string): string {
  const identity = {
    method: info.name, kind: info.kind, preset: info.preset ?? null, weights: info.weights?.sha256 ?? (info.weights ? 'random' : null),
    padding: info.padding ?? null, source: info.source ?? null, set: set.key, setSource: set.source, backend,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
}

/** Mean of each score; an infinite PSNR (a perfect frame) makes the mean infinite, as it should. */
export function meanScores(rows: readonly TripletScores[]): TripletScores {
  const mean = (pick: (s: TripletScores) => number) => rows.reduce((sum, r) => sum + pick(r), 0) / rows.length;
  return {psnr: mean((r) => r.psnr), psnrFloat: mean((r) => r.psnrFloat), ssim: mean((r) => r.ssim), ie: mean((r) => r.ie)};
}

/**
 * Run `method` (prepared) over `set`: predict, score, log each triplet, report progress with ETA.
 *
 * @throws the dataset's SampleError (naming the file) for a missing or corrupt frame, or the method's error.
 */
export async function evaluateSet(method: Method, set: EvalSet, options: EvaluateOptions): Promise<SetResult> {
  const info = method.describe();
  const key = runKey(info, set, options.backend);
  const all = set.open();
  const available = all.length ?? 0;
  const dataset = options.limit === undefined ? all : set.open(options.limit);
  const ids = dataset.ids ?? [];
  const previous = options.log.resumed(key);
  const rows: (TripletRow | undefined)[] = ids.map((id) => previous.get(id));
  const resumed = rows.filter(Boolean).length;
  const todo = ids.map((_, i) => i).filter((i) => rows[i] === undefined);
  const progress = new Progress(`${set.label} | ${method.name}`, ids.length, resumed, {quiet: options.quiet, stream: options.stream});

  const prefetch = options.prefetch ?? 2;
  const pending: Promise<RawTriplet>[] = [];
  let next = 0;
  const fill = () => {
    while (pending.length < prefetch && next < todo.length) {
      const read = dataset.read(todo[next++]);
      read.catch(() => undefined); // observed when awaited; silences the early unhandled-rejection warning
      pending.push(read);
    }
  };
  const times: number[] = [];
  for (const index of todo) {
    fill();
    const triplet = await pending.shift()!;
    const start = performance.now();
    const pred = await method.predict(triplet);
    const ms = performance.now() - start;
    times.push(ms);
    const scores = scoreTriplet(triplet.gt, pred);
    const row: TripletRow = {
      runKey: key, dataset: set.key, method: method.name, index, id: triplet.id,
      width: triplet.gt.width, height: triplet.gt.height, ...scores, ms,
    };
    options.log.append(row);
    rows[index] = row;
    progress.tick();
  }
  const done = rows as TripletRow[];
  const limited = options.limit !== undefined && options.limit < available;
  return {
    set: set.key, method: method.name, count: done.length, available, fullSize: set.fullSize, limited,
    complete: !limited && set.fullSize !== undefined && done.length === set.fullSize,
    resumed, means: meanScores(done), medianMs: median(times), runKey: key, rows: done,
  };
}
