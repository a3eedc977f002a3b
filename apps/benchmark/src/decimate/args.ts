// `daek-bench decimate FILE [options]`: flags → DecimateOptions.
import path from 'node:path';
import {parseArgs} from 'node:util';
import type {BackendName} from '@daek/flow-ops';
import {DEFAULT_SCENE_CUT_THRESHOLD} from '@daek/datasets';
import {METHOD_GRAMMAR, parseMethodSpec, parseWeightsFlags} from '../methods/parse.js';
import {DECIMATE_METHODS, type DecimateOptions} from './run.js';

/** `daek-bench decimate --help`. */
export const DECIMATE_USAGE = `daek-bench decimate FILE [options]: does interpolation help on this footage?

Drops every other frame of the video FILE (frames 1, 3, 5, ...), interpolates each back from its two neighbours
with every method, scores it against the original (PSNR, SSIM, IE), prints the table and writes crops of each
method's worst frames. Needs ffmpeg on PATH.

Options
  --method SPEC           repeatable (default ${DECIMATE_METHODS.join(', ')}): ${METHOD_GRAMMAR.replace(' | reference=DIR', '')}
  --weights [NAME=]PATH   weights for preset NAME (or rife); a bare PATH is for daek. Repeatable
  --limit N               score only the first N dropped frames
  --sample N              score N dropped frames spread evenly over the clip (a quick look at a long clip)
  --first N               start at frame N (the first dropped frame is N+1; default 0)
  --crops N               worst frames cropped per method (default 3; 0 for none)
  --crop-size N           side of the crop windows in pixels (default 256)
  --scene-threshold X     scene-cut threshold of @daek/datasets (default ${DEFAULT_SCENE_CUT_THRESHOLD}); 'off' to keep every frame
  --backend B             wasm (default), cpu or webgpu
  --pad-mode M --pad-multiple N   padding of the networks (default replicate, 32)
  --out DIR               output folder (default daek-bench-results/decimate/<clip name>)
  --quiet                 no progress bar or status lines
  -h, --help              this text`;

function integer(flag: string, text: string | undefined, minimum: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(Number.isInteger(value) && value >= minimum)) throw new Error(`${flag}: expected an integer >= ${minimum}, got '${text}'`);
  return value;
}

/**
 * Parse the arguments after `decimate`. Returns null for `--help`.
 *
 * @throws Error (a usage error) naming the flag and what it expects.
 */
export function parseDecimateArgs(argv: readonly string[]): DecimateOptions | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv], allowPositionals: true, strict: true,
      options: {
        'method': {type: 'string', multiple: true}, 'weights': {type: 'string', multiple: true}, 'limit': {type: 'string'}, 'sample': {type: 'string'},
        'first': {type: 'string'}, 'crops': {type: 'string'}, 'crop-size': {type: 'string'}, 'scene-threshold': {type: 'string'},
        'backend': {type: 'string'}, 'pad-mode': {type: 'string'}, 'pad-multiple': {type: 'string'}, 'out': {type: 'string'},
        'quiet': {type: 'boolean'}, 'help': {type: 'boolean', short: 'h'},
      },
    });
  } catch (error) {
    throw new Error(`decimate: ${(error as Error).message}. Run daek-bench decimate --help for the flags.`);
  }
  const {values: v, positionals} = parsed;
  if (v.help) return null;
  if (positionals.length !== 1) {
    throw new Error(`decimate: give exactly one video file, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}. ` +
        'Usage: daek-bench decimate FILE [options]');
  }
  const methods = v.method ?? DECIMATE_METHODS;
  for (const spec of methods) {
    const parsedSpec = parseMethodSpec(spec);
    if (parsedSpec.kind === 'reference') throw new Error(`--method ${spec}: decimate has no published frames to read; use a model, average or minterpolate`);
  }
  const backend = v.backend ?? 'wasm';
  if (!['wasm', 'cpu', 'webgpu'].includes(backend)) throw new Error(`--backend: expected one of wasm, cpu, webgpu, got '${backend}'`);
  const padMode = v['pad-mode'] ?? 'replicate';
  if (padMode !== 'replicate' && padMode !== 'zero') throw new Error(`--pad-mode: expected replicate or zero, got '${padMode}'`);
  let sceneThreshold: number | false = DEFAULT_SCENE_CUT_THRESHOLD;
  const threshold = v['scene-threshold'];
  if (threshold === 'off') sceneThreshold = false;
  else if (threshold !== undefined) {
    sceneThreshold = Number(threshold);
    if (!(Number.isFinite(sceneThreshold) && sceneThreshold > 0)) throw new Error(`--scene-threshold: expected a positive number or 'off', got '${threshold}'`);
  }
  const file = positionals[0];
  const clip = path.basename(file, path.extname(file)) || 'clip';
  return {
    file, methods, explicitMethods: v.method !== undefined, weights: parseWeightsFlags(v.weights ?? []),
    backend: backend as BackendName, padding: {mode: padMode, multiple: integer('--pad-multiple', v['pad-multiple'], 1) ?? 32},
    limit: integer('--limit', v.limit, 1), sample: integer('--sample', v.sample, 1), first: integer('--first', v.first, 0) ?? 0, crops: integer('--crops', v.crops, 0) ?? 3,
    cropSize: integer('--crop-size', v['crop-size'], 16) ?? 256, sceneThreshold,
    out: path.resolve(v.out ?? path.join('daek-bench-results', 'decimate', clip)), quiet: v.quiet ?? false, argv: [...argv],
  };
}
