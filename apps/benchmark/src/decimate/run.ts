// `daek-bench decimate FILE`: a quality check on the user's own footage. Every other frame of the clip is dropped
// (frames 1, 3, 5, ...), each is interpolated back from its two neighbours by every method, and scored against
// the original; the table goes to stdout, and crops of each method's worst frames go to the output folder.
import {existsSync, statSync} from 'node:fs';
import {rmdir} from 'node:fs/promises';
import path from 'node:path';
import {lockFolder, writing} from '@daek/cli-support';
import {encodeImage, openVideo, type PassSummary, type RawTriplet, type RgbImage} from '@daek/datasets';
import {useBackend, type BackendName} from '@daek/flow-ops';
import {checkFfmpeg, ffprobeCommand, runTool} from '../ffmpeg.js';
import {describeBackend, formatMachine, machineInfo} from '../machine.js';
import {quantize, scoreTriplet, type TripletScores} from '../metrics.js';
import type {Method, MethodInfo, PaddingInfo} from '../methods/method.js';
import type {ModelsModule} from '../methods/method_model.js';
import {createMethod, parseMethodSpec} from '../methods/parse.js';
import {Progress, type ProgressStream} from '../progress.js';
import {describePadding, describeWeights, METRIC_PROTOCOL} from '../report/protocol.js';
import {ensureFolder, writeAtomically} from '../report/safe_write.js';
import {markdownTable} from '../report/tables.js';
import {median} from '../timing.js';
import {cropImage, sideBySide, worstWindow} from './crops.js';

/** Methods `decimate` runs when no `--method` is given: the shipped default model and the two classical baselines. */
export const DECIMATE_METHODS: readonly string[] = ['default', 'average', 'minterpolate'];

/** Everything a `decimate` run needs (the CLI builds this from flags). */
export interface DecimateOptions {
  /** The video file. */
  file: string;
  /** `--method` specs (default {@link DECIMATE_METHODS}). */
  methods: readonly string[];
  /** True when the methods came from `--method` (then a method that cannot run is an error, not a note). */
  explicitMethods: boolean;
  /** `--weights` map. */
  weights: ReadonlyMap<string, string>;
  /** Backend of the model methods. */
  backend: BackendName;
  /** Padding of the model methods. */
  padding: Partial<PaddingInfo>;
  /** Score at most this many dropped frames. */
  limit?: number;
  /** Score this many dropped frames spread evenly over the clip (instead of every one from `first`). */
  sample?: number;
  /** First frame of the first triplet (the first dropped frame is `first + 1`; default 0). */
  first: number;
  /** Worst frames to crop per method (0: none). */
  crops: number;
  /** Side of the square crop windows in pixels. */
  cropSize: number;
  /** Scene-cut threshold (triplets across a cut are left out), or false for no detection. */
  sceneThreshold: number | false;
  /** Output folder. */
  out: string;
  /** No progress bar or status lines. */
  quiet: boolean;
  /** The command line, for the record. */
  argv: string[];
  /** Where progress and status lines go (default stderr). */
  stderr?: ProgressStream;
  /** Injected @daek/models (tests). */
  models?: ModelsModule;
}

/** One method's scores on one dropped frame. */
export interface DecimateRow extends TripletScores {
  /** The dropped frame's index in the clip. */
  frame: number;
  /** The method's row label. */
  method: string;
  /** Wall time of the method's predict call (ms). */
  ms: number;
}

/** A method's worst frame. */
export interface WorstFrame {
  /** The dropped frame's index in the clip. */
  frame: number;
  /** Its PSNR (dB). */
  psnr: number;
}

/** One method's summary. */
export interface DecimateMethodResult {
  /** Row label. */
  method: string;
  /** The `--method` spec. */
  spec: string;
  /** Its description. */
  info: MethodInfo;
  /** Why it could not run. */
  unavailable?: string;
  /** Dropped frames scored. */
  count: number;
  /** Means over the frames. */
  means?: TripletScores;
  /** The frame with the lowest PSNR and that PSNR. */
  worst?: WorstFrame;
  /** Median predict time (ms). */
  medianMs?: number;
  /** Crop files of its worst frames (paths relative to the output folder). */
  crops: string[];
}

/** A finished decimate run. */
export interface DecimateReport {
  /** The markdown printed to stdout and written to results.md. */
  markdown: string;
  /** The JSON written to results.json. */
  json: Record<string, unknown>;
  /** Per-method results in row order. */
  results: DecimateMethodResult[];
  /** Per-frame rows (every method). */
  rows: DecimateRow[];
  /** The files written. */
  files: DecimateFiles;
}

/** The files a decimate run writes. */
export interface DecimateFiles {
  /** results.md: the table, notes and protocol. */
  markdown: string;
  /** results.json: the same results. */
  json: string;
  /** frames.csv: every dropped frame and method. */
  csv: string;
  /** The crops of the worst frames (PNG). */
  crops: string[];
}

/** The clip's frame count (packets of the first video stream), or undefined when ffprobe cannot say. */
async function countFrames(file: string): Promise<number | undefined> {
  try {
    const out = await runTool(ffprobeCommand(), ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries',
      'stream=nb_read_packets', '-of', 'csv=p=0', file], undefined, 'counting the frames for the progress bar');
    const n = Number.parseInt(out.toString().trim(), 10);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

interface WorstEntry {
  frame: number;
  psnr: number;
  strip: RgbImage;
}

function csvLine(row: DecimateRow): string {
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  const num = (v: number) => (v === Infinity ? 'inf' : String(v));
  return [String(row.frame), quote(row.method), num(row.psnr), num(row.psnrFloat), num(row.ssim), num(row.ie), row.ms.toFixed(1)].join(',');
}

function fixed(v: number | undefined, digits: number): string {
  if (v === undefined || Number.isNaN(v)) return '—';
  return v === Infinity ? 'inf' : v.toFixed(digits);
}

function slug(name: string): string {
  return name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
}

/**
 * Drop every other frame of `options.file`, interpolate each back with every method, score it against the
 * original, and write results.md, results.json, frames.csv and crops of each method's worst frames. The output
 * folder is locked for the run (@daek/cli-support's `lockFolder`), as `runBench` locks its own.
 *
 * @throws Error naming the file when it is missing or not a video, or ffmpeg is absent; ResultWriteError when the
 * output folder cannot be written; FolderLockedError when another run holds the folder.
 */
export async function runDecimate(options: DecimateOptions): Promise<DecimateReport> {
  // a wrong file name is reported before the output folder is touched
  const file = path.resolve(options.file);
  if (!existsSync(file)) throw new Error(`decimate: video file not found: ${file}`);
  if (!statSync(file).isFile()) throw new Error(`decimate: not a file: ${file}`);
  const created = !existsSync(options.out);
  const lock = await writing(options.out, () => lockFolder(options.out, {command: ['daek-bench', 'decimate', ...options.argv].join(' ')}));
  try {
    return await runDecimateLocked(options);
  } finally {
    lock.release();
    if (created) await rmdir(options.out).catch(() => undefined); // nothing written (an error before the first file)
  }
}

async function runDecimateLocked(options: DecimateOptions): Promise<DecimateReport> {
  const stream = options.stderr ?? process.stderr;
  const say = (line: string) => {
    if (!options.quiet) stream.write(`[daek-bench] ${line}\n`);
  };
  const startedAt = new Date().toISOString();
  const file = path.resolve(options.file);
  const ffmpegVersion = checkFfmpeg('daek-bench decimate');
  const specs = options.methods.map(parseMethodSpec);
  const backendInfo = await useBackend(options.backend);
  const backend = await describeBackend(backendInfo.adapter);
  const machine = await machineInfo(backendInfo.adapter);
  const context = {weights: options.weights, backend: options.backend, padding: options.padding, models: options.models};
  const methods: Method[] = [];
  const results: DecimateMethodResult[] = [];
  for (const spec of specs) {
    if (spec.kind === 'reference') throw new Error(`--method ${spec.text}: decimate has no published frames to read; use a model, average or minterpolate`);
    const method = createMethod(spec, context);
    const result: DecimateMethodResult = {method: method.name, spec: spec.text, info: method.describe(), count: 0, crops: []};
    try {
      await method.prepare();
      methods.push(method);
    } catch (error) {
      const message = (error as Error).message;
      if (options.explicitMethods) throw new Error(`--method ${spec.text}: ${message}`);
      say(`${method.name} unavailable: ${message}`);
      result.unavailable = message;
    }
    result.method = method.name; // resolved at prepare for `default`
    result.info = method.describe();
    results.push(result);
  }
  const running = results.filter((r) => !r.unavailable);
  if (running.length === 0) throw new Error('decimate: no method could run (see the messages above)');

  const frames = await countFrames(file);
  const first = options.first;
  const possible = frames === undefined ? undefined : Math.max(0, Math.floor((frames - first - 1) / 2));
  let starts: number[] | undefined;
  let step = 1;
  if (options.sample !== undefined) {
    if (possible === undefined) throw new Error(`decimate: --sample needs the frame count, and ffprobe could not count the frames of ${file}`);
    step = Math.max(1, Math.floor(possible / options.sample));
    starts = Array.from({length: Math.min(options.sample, possible)}, (_, i) => first + 2 * step * i);
  }
  const cap = starts?.length ?? possible;
  const total = options.limit === undefined ? cap : Math.min(options.limit, cap ?? options.limit);
  let summary: PassSummary | undefined;
  const clip = openVideo(file, {
    gap: 1, ...(starts ? {starts} : {stride: 2, first}), limit: options.limit, prefetch: 2,
    sceneCut: options.sceneThreshold === false ? false : {threshold: options.sceneThreshold},
    onSummary: (s) => {
      summary = s;
    },
  });
  const dropped = starts ? `${starts.length} frames spread over the clip (${starts.slice(0, 3).map((s) => s + 1).join(', ')}, ...)`
    : `frames ${first + 1}, ${first + 3}, ${first + 5}, ...`;
  say(`decimate ${file}${frames !== undefined ? ` (${frames} frames)` : ''}: dropping ${dropped} and interpolating them back with ` +
      `${running.map((r) => r.method).join(', ')}`);
  const progress = total !== undefined ? new Progress(`decimate ${path.basename(file)}`, total, 0, {quiet: options.quiet, stream}) : undefined;

  const rows: DecimateRow[] = [];
  const worst = new Map<string, WorstEntry[]>(running.map((r) => [r.method, []]));
  const times = new Map<string, number[]>(running.map((r) => [r.method, []]));
  let size: {width: number; height: number} | undefined;
  for await (const raw of clip.rawSamples()) {
    size ??= {width: raw.gt.width, height: raw.gt.height};
    const frame = raw.frames?.[1] ?? Number.NaN;
    const outputs: Uint8Array[] = [];
    const scores: TripletScores[] = [];
    for (const method of methods) {
      const start = performance.now();
      const pred = await method.predict(raw);
      const ms = performance.now() - start;
      times.get(method.name)!.push(ms);
      const score = scoreTriplet(raw.gt, pred);
      scores.push(score);
      outputs.push(quantize(pred));
      rows.push({frame, method: method.name, ...score, ms});
    }
    if (options.crops > 0) collectWorst(raw, methods, outputs, scores, worst, options);
    progress?.tick();
  }
  if (rows.length === 0) {
    throw new Error(`decimate: ${file} gave no frame to score (${frames ?? 'unknown'} frames; a triplet needs 3 frames from frame ${first}` +
        `${summary?.droppedAtSceneCuts ? `; ${summary.droppedAtSceneCuts} dropped at scene cuts` : ''})`);
  }

  for (const result of running) {
    const mine = rows.filter((r) => r.method === result.method);
    const mean = (pick: (r: DecimateRow) => number) => mine.reduce((s, r) => s + pick(r), 0) / mine.length;
    result.count = mine.length;
    result.means = {psnr: mean((r) => r.psnr), psnrFloat: mean((r) => r.psnrFloat), ssim: mean((r) => r.ssim), ie: mean((r) => r.ie)};
    const low = mine.reduce((a, b) => (b.psnr < a.psnr ? b : a));
    result.worst = {frame: low.frame, psnr: low.psnr};
    result.medianMs = median(times.get(result.method)!);
  }
  for (const method of methods) method.dispose();

  // files
  const out = options.out;
  ensureFolder(out);
  const cropFiles: string[] = [];
  for (const result of running) {
    for (const [rank, entry] of (worst.get(result.method) ?? []).entries()) {
      const name = path.join('crops', `${slug(result.method)}-worst${rank + 1}-frame${String(entry.frame).padStart(5, '0')}.png`);
      ensureFolder(path.join(out, 'crops'));
      writeAtomically(path.join(out, name), await encodeImage(entry.strip, 'png'), 'a crop');
      result.crops.push(name);
      cropFiles.push(path.join(out, name));
    }
  }
  const markdown = decimateMarkdown({options, file, frames, size, results, summary, startedAt, backend, machine: formatMachine(machine),
    ffmpegVersion, methodsShown: running.map((r) => r.method), step});
  const files = {markdown: path.join(out, 'results.md'), json: path.join(out, 'results.json'), csv: path.join(out, 'frames.csv'), crops: cropFiles};
  const json: Record<string, unknown> = {
    tool: 'daek-bench', command: 'decimate', argv: options.argv, startedAt, file, frames: frames ?? null, size: size ?? null,
    first, limit: options.limit ?? null, sample: options.sample ?? null, backend, machine,
    sceneCuts: summary?.sceneCuts ?? [], droppedAtSceneCuts: summary?.droppedAtSceneCuts ?? 0,
    methods: results.map(({info, ...rest}) => ({...rest, info})),
  };
  writeAtomically(files.csv, ['frame,method,psnr,psnr_float,ssim,ie,ms', ...rows.map(csvLine)].join('\n') + '\n', 'the per-frame CSV');
  writeAtomically(files.json, JSON.stringify(json, (_k, v) => (v === Infinity ? 'inf' : v), 2) + '\n', 'the report');
  writeAtomically(files.markdown, markdown, 'the report');
  const relative = path.relative(process.cwd(), out);
  say(`wrote ${path.join(relative === '' ? '.' : relative.startsWith('..') ? out : relative, 'results.md')}, results.json, frames.csv` +
      `${cropFiles.length ? ` and ${cropFiles.length} crops in crops/` : ''}`);
  return {markdown, json, results, rows, files};
}

/** Keep each method's `crops` worst frames (lowest PSNR), as strips cut where that method is furthest off. */
function collectWorst(raw: RawTriplet, methods: readonly Method[], outputs: readonly Uint8Array[], scores: readonly TripletScores[],
    worst: Map<string, WorstEntry[]>, options: DecimateOptions): void {
  const frame = raw.frames?.[1] ?? Number.NaN;
  methods.forEach((method, m) => {
    const list = worst.get(method.name)!;
    const psnr = scores[m].psnr;
    if (list.length >= options.crops && psnr >= list[list.length - 1].psnr) return;
    const window = worstWindow(raw.gt, outputs[m], options.cropSize);
    const images = [raw.frame0, raw.gt, ...outputs.map((data) => ({data, width: raw.gt.width, height: raw.gt.height})), raw.frame1];
    const strip = sideBySide(images.map((image) => cropImage(image, window)));
    list.push({frame, psnr, strip});
    list.sort((a, b) => a.psnr - b.psnr);
    if (list.length > options.crops) list.pop();
  });
}

interface MarkdownInput {
  options: DecimateOptions;
  file: string;
  frames?: number;
  size?: {width: number; height: number};
  results: DecimateMethodResult[];
  summary?: PassSummary;
  startedAt: string;
  backend: string;
  machine: string;
  ffmpegVersion: string;
  methodsShown: string[];
  step: number;
}

function decimateMarkdown(input: MarkdownInput): string {
  const {options, file, frames, size, results, summary} = input;
  const scored = results.find((r) => r.count > 0)?.count ?? 0;
  const lines: string[] = [];
  lines.push(`# daek-bench decimate ${path.basename(file)}`, '');
  lines.push(`Every other frame of \`${path.basename(file)}\`${size ? ` (${size.width}x${size.height}` : ''}` +
      `${frames !== undefined ? `, ${frames} frames` : ''}${size ? ')' : ''} dropped, interpolated back from its two neighbours ` +
      `and scored against the original: ${scored} frame${scored === 1 ? '' : 's'} (${options.sample !== undefined ? `--sample ${options.sample}: one in every ` +
      `${2 * input.step} frames from frame ${options.first + 1}`
      : `${options.first + 1}, ${options.first + 3}, ...`}${options.limit !== undefined ? `; --limit ${options.limit}` : ''}).`, '');
  const cuts = summary?.sceneCuts ?? [];
  if (cuts.length > 0 || (summary?.droppedAtSceneCuts ?? 0) > 0) {
    lines.push(`Scene cuts at frame${cuts.length === 1 ? '' : 's'} ${cuts.join(', ')}: ${summary?.droppedAtSceneCuts ?? 0} dropped ` +
        'frame(s) whose neighbours straddle a cut are left out (no method can interpolate across a cut).', '');
  }
  for (const r of results.filter((x) => x.info.weights?.random && !x.unavailable)) {
    lines.push(`**Untrained: \`${r.method}\` (random init).** No weights were given and none ship for it: its numbers say nothing about the method.`, '');
  }
  for (const r of results.filter((x) => x.unavailable)) lines.push(`**${r.method} unavailable:** ${r.unavailable}`, '');
  const table = markdownTable(['Method', 'frames', 'PSNR (dB)', 'SSIM', 'IE', 'worst PSNR (frame)', 'ms/frame'],
    results.map((r) => r.unavailable ? [r.method, '0', 'unavailable', '—', '—', '—', '—'] : [
      r.method, String(r.count), fixed(r.means?.psnr, 2), fixed(r.means?.ssim, 4), fixed(r.means?.ie, 3),
      r.worst ? `${fixed(r.worst.psnr, 2)} (${r.worst.frame})` : '—', fixed(r.medianMs, 0)]));
  lines.push(table, '');
  lines.push('PSNR on the uint8-rounded output, SSIM (ssim_matlab) and IE (mean |q - gt|, 0-255) as in every daek-bench table; ' +
      'higher PSNR/SSIM and lower IE are better.', '');
  const withCrops = results.filter((r) => r.crops.length > 0);
  if (withCrops.length > 0) {
    lines.push(`Crops of each method's worst frames (${options.cropSize}x${options.cropSize} where it is furthest off), left to right: ` +
        `frame before, original, ${input.methodsShown.join(', ')}, frame after:`, '');
    for (const r of withCrops) lines.push(`- ${r.method}: ${r.crops.join(', ')}`);
    lines.push('');
  }
  lines.push('### Protocol', '', '```text');
  lines.push(`command: daek-bench decimate ${options.argv.join(' ')}`.trimEnd());
  lines.push(`started: ${input.startedAt}`, `machine: ${input.machine}`, `backend: ${input.backend}`, `decoder: ${input.ffmpegVersion}`);
  lines.push(`clip: ${file}; decoded with ffmpeg to rgb24 in decode order (-fps_mode passthrough: no frame dropped or duplicated); ` +
      `triplets (s, s+1, s+2) for s = ${options.sample !== undefined ? 'the --sample starts' : `${options.first}, ${options.first + 2}, ...`}; scene cuts ` +
      `${options.sceneThreshold === false ? 'not detected' : `detected at threshold ${options.sceneThreshold} (@daek/datasets openVideo)`}`);
  lines.push('metrics:');
  for (const line of METRIC_PROTOCOL) lines.push(`  - ${line}`);
  lines.push('methods:');
  for (const r of results) {
    lines.push(`  - ${r.method} [${r.spec}]: ${r.unavailable ? `UNAVAILABLE: ${r.unavailable}` :
      `weights: ${describeWeights(r.info)}; padding: ${describePadding(r.info)}`}`);
    for (const note of r.info.notes) lines.push(`      ${note}`);
  }
  lines.push('```', '', 'Files: results.json (the same results), frames.csv (every dropped frame and method), crops/ (worst frames).', '');
  return lines.join('\n');
}
