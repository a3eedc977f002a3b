// The protocol block: how every number was obtained, printed with the results so that a table is never
// separated from its conditions (padding, rounding, SSIM implementation, data, weights, backend, machine).
import type {EvalSet} from '../eval_sets.js';
import type {SetResult} from '../evaluate.js';
import {formatMachine} from '../machine.js';
import type {MethodInfo} from '../methods/method.js';
import type {RunData} from './run_data.js';

/** The metric definitions, one line each. */
export const METRIC_PROTOCOL: readonly string[] = [
  'PSNR = -10*log10(mean((gt - q)^2)) over HxWx3 on byte/255 values, q = round-half-even(float32(pred*255)) clamped to ' +
      '0..255 (RIFE benchmark/Vimeo90K.py L33-37, UCF101.py L30-36); the primary number, as in the paper\'s tables',
  'PSNR float = the same on the unrounded float prediction (AMT metrics/psnr_ssim.py, IFRNet); 8-bit references have no rounding',
  'SSIM = RIFE ssim_matlab(gt, q) (model/pytorch_msssim L81-134): one (channel, row, column) volume, separable 11x11x11 ' +
      'Gaussian window sigma 1.5, replicate padding 5 on all three axes, C1 = (0.01L)^2, C2 = (0.03L)^2, L = 1, mean of the map; float64',
  'IE = mean |q - gt| over HxWx3 on the 0-255 scale (Middlebury interpolation error, RIFE benchmark/MiddleBury_Other.py)',
  'every score is averaged over the triplets of a set (a perfect frame has PSNR inf and makes the mean inf)',
];

/** How a method pads, in words. */
export function describePadding(info: MethodInfo): string {
  if (!info.padding) return 'none (the method needs no padding)';
  const {mode, multiple, minSize} = info.padding;
  return `${mode} to a multiple of ${multiple}${minSize > 0 ? ` (at least ${minSize})` : ''}, split before/after ` +
      '(flow-ops padToMultiple, spec A20), output cropped back';
}

/** The weights of a method, in words. */
export function describeWeights(info: MethodInfo): string {
  if (info.kind === 'reference') return `published frames ${info.source}`;
  if (!info.weights) return 'none (no weights)';
  if (info.weights.random) return info.weights.note;
  return `${info.weights.path} (sha256 ${info.weights.sha256}; ${info.weights.note})`;
}

/** How many triplets of how many, and whether that is the full published set. */
export function describeCount(result: SetResult, set: EvalSet): string {
  const of = set.fullSize !== undefined ? `${result.count} of ${set.fullSize}` : `${result.count}`;
  if (result.complete) return `${of} triplets (full set)`;
  const why: string[] = [];
  if (result.limited) why.push(`--limit ${result.count} of the ${result.available} in the folder`);
  else if (set.fullSize !== undefined && result.available !== set.fullSize) why.push(`the folder holds ${result.available}`);
  if (set.fullSize === undefined) return `${of} triplets (${set.key === 'synthetic' ? 'generated set' : 'no published full set'})`;
  return `${of} triplets (subset: ${why.join('; ') || 'partial'}; not comparable with published full-set numbers)`;
}

function formatScore(v: number, digits: number): string {
  return v === Infinity ? 'inf' : Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

/** The protocol block as text lines (no fence). */
export function protocolLines(data: RunData): string[] {
  const lines: string[] = [];
  lines.push(`command: daek-bench ${data.argv.join(' ')}`.trimEnd());
  lines.push(`started: ${data.startedAt}`);
  lines.push(`machine: ${formatMachine(data.machine)}`);
  lines.push(`backend: ${data.backend}`);
  lines.push('metrics:');
  for (const line of METRIC_PROTOCOL) lines.push(`  - ${line}`);
  if (data.command !== 'runtime') {
    lines.push(`runtime: median of ${data.runtime.runs} timed run(s) after ${data.runtime.warmup} warm-up run(s) on one synthetic ` +
        '448x256 triplet; wall time of predict (upload, padding, forward pass, crop, download); seconds per frame');
  } else {
    lines.push(`runtime: median of ${data.runtime.runs} timed run(s) after ${data.runtime.warmup} warm-up run(s) per backend ` +
        'and size, one synthetic triplet each; wall time of predict (upload, padding, forward pass, crop, download)');
  }
  lines.push('methods:');
  for (const method of data.methods) {
    const info = method.info;
    const params = info.parameters === 0 ? '; no parameters' : info.parameters !== undefined
      ? `; ${(info.parameters / 1e6).toFixed(3)}M parameters${info.parametersWithTeacher ? ` (${(info.parametersWithTeacher / 1e6).toFixed(3)}M with the training-only teacher)` : ''}`
      : '';
    lines.push(`  - ${info.name} [${method.spec}]: ${method.unavailable ? `UNAVAILABLE: ${method.unavailable}` :
      `weights: ${describeWeights(info)}; padding: ${describePadding(info)}${params}`}`);
    for (const note of info.notes) lines.push(`      ${note}`);
  }
  lines.push('results:');
  for (const method of data.methods) {
    for (const result of method.results) {
      const set = data.sets.find((s) => s.key === result.set)!;
      const m = result.means;
      lines.push(`  - ${method.info.name} on ${set.label}: PSNR ${formatScore(m.psnr, 3)} dB, SSIM ${formatScore(m.ssim, 4)}, ` +
          `PSNR float ${formatScore(m.psnrFloat, 3)} dB, IE ${formatScore(m.ie, 3)}; ${describeCount(result, set)}; ` +
          `data ${set.source}; weights ${describeWeights(method.info)}; padding ${describePadding(method.info)}; ` +
          `rounding q = round-half-even(float32(pred*255)); SSIM ssim_matlab; backend ${data.backend}; ` +
          `median predict ${formatScore(result.medianMs, 0)} ms/triplet${result.resumed ? `; ${result.resumed} triplets resumed from the CSV` : ''}; ` +
          `run key ${result.runKey}`);
    }
    for (const r of method.runtime) {
      lines.push(`  - ${method.info.name} runtime ${r.width}x${r.height} on ${r.backend}: median ${r.medianMs.toFixed(1)} ms ` +
          `(runs ${r.runsMs.map((v) => v.toFixed(0)).join(', ')} ms; ${r.warmup} warm-up)`);
    }
  }
  return lines;
}
