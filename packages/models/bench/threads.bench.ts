// Benchmark: the tfjs-wasm engine on 1 and 2 threads, before and after the ConvTranspose quick win, side by side
// in one run. Configurations (each case runs in a fresh child process: the thread count is fixed per process):
//   threads 1 | 2  x  deconv 'phase' (the former form: a 3x3 conv to 4·out phase channels + depth-to-space,
//   reconstructed here) | 'transpose' (tf.conv2dTranspose, what ConvTranspose2d runs now), with tfjs-backend-wasm's
//   own Concat/Slice kernels, and 'transpose-copy': with flow-ops' copy kernels as well (what useBackend runs now).
// Reports conv 3x3 64->64 GFLOP/s and ms per frame (median) of IFNet and daek-s at 448x256 and 1280x720. The
// configurations of one case run back to back, so a load change on the machine hits all of them alike.
//
//   npm run bench:threads -w @daek/models
//   npm run bench:threads -w @daek/models -- --models ifnet --sizes 448x256 --runs 3 --configs 1t-phase,2t-transpose-copy --no-conv
//
// Untrained weights: speed does not depend on the values. Not a test: timings depend on the machine.
import {spawnSync} from 'node:child_process';
import os from 'node:os';
import {fileURLToPath} from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {registerWasmCopyKernels, unregisterWasmCopyKernels, useBackend} from '@daek/flow-ops';
import {ConvTranspose2d, createInterpolator} from '../src/node.js';

type Deconv = 'phase' | 'transpose';
interface Config {threads: number; deconv: Deconv; copy?: 'tfjs' | 'ours'}
interface Case {kind: 'conv' | 'model'; model?: string; width: number; height: number; runs: number}
interface Result {ms: number; gflops?: number; threads: number}

const arg = (flag: string) => { const i = process.argv.indexOf(flag); return i > 0 ? process.argv[i + 1] : undefined; };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// --- the former ConvTranspose2d form, for the "before" columns -------------------------------------------------
// Per axis, which 4x4 tap feeds each (output phase, 3x3 offset) of a stride-2, padding-1 transposed conv.
const PHASE_TAP = [[3, 1, -1], [-1, 2, 0]] as const;

function phaseKernel(weight: tf.Tensor, cin: number, cout: number): tf.Tensor4D {
  const rows = new Float32Array(36 * 16);
  for (let dy = 0; dy < 3; dy++) {
    for (let dx = 0; dx < 3; dx++) {
      for (let ry = 0; ry < 2; ry++) {
        for (let rx = 0; rx < 2; rx++) {
          const ky = PHASE_TAP[ry]![dy]!;
          const kx = PHASE_TAP[rx]![dx]!;
          if (ky >= 0 && kx >= 0) rows[(((dy * 3 + dx) * 2 + ry) * 2 + rx) * 16 + ky * 4 + kx] = 1;
        }
      }
    }
  }
  const phases = tf.reshape(tf.matMul(tf.tensor2d(rows, [36, 16]), tf.reshape(weight, [16, cout * cin])),
    [3, 3, 2, 2, cout, cin]);
  return tf.reshape(tf.transpose(phases, [0, 1, 5, 2, 3, 4]), [3, 3, cin, 4 * cout]) as tf.Tensor4D;
}

function usePhaseDeconv(): void {
  ConvTranspose2d.prototype.apply = function(this: ConvTranspose2d, x: tf.Tensor4D, prelu?: tf.Tensor) {
    return tf.tidy(() => {
      const phases = tf.conv2d(x, phaseKernel(this.weight, this.inChannels, this.outChannels), 1, 1);
      const biased = tf.add(tf.depthToSpace(phases, 2, 'NHWC'), this.bias) as tf.Tensor4D;
      return prelu ? tf.prelu(biased, prelu) as tf.Tensor4D : biased;
    });
  };
}

// --- one case in this process ----------------------------------------------------------------------------------
async function runCase(c: Case, config: Config): Promise<Result> {
  const info = await useBackend('wasm', {threads: config.threads});
  if (config.deconv === 'phase') usePhaseDeconv();
  if (config.copy === 'ours') registerWasmCopyKernels();
  else unregisterWasmCopyKernels(); // tfjs-backend-wasm's own Concat and Slice
  const times: number[] = [];
  if (c.kind === 'conv') {
    const x = tf.randomUniform([1, c.height, c.width, 64], -1, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomUniform([3, 3, 64, 64], -1, 1, 'float32', 2) as tf.Tensor4D;
    for (let i = 0; i <= c.runs; i++) {
      const start = performance.now();
      const y = tf.conv2d(x, w, 1, 'same');
      y.dataSync();
      if (i > 0) times.push(performance.now() - start);
      y.dispose();
    }
    const ms = median(times);
    return {ms, gflops: 2 * c.height * c.width * 64 * 64 * 9 / ms / 1e6, threads: info.threads ?? 1};
  }
  const interp = await createInterpolator({model: c.model as 'daek', weights: 'random', checkFrames: false});
  const frame = (seed: number) => tf.randomUniform([1, c.height, c.width, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
  const a = frame(1);
  const b = frame(2);
  for (let i = 0; i <= c.runs; i++) { // run 0 is the warm-up
    const start = performance.now();
    const out = await interp.interpolate(a, b);
    await out.data();
    out.dispose();
    if (i > 0) times.push(performance.now() - start);
  }
  interp.dispose();
  return {ms: median(times), threads: info.threads ?? 1};
}

const CONFIGS: Config[] = [
  {threads: 1, deconv: 'phase'}, {threads: 1, deconv: 'transpose'}, {threads: 1, deconv: 'transpose', copy: 'ours'},
  {threads: 2, deconv: 'phase'}, {threads: 2, deconv: 'transpose'}, {threads: 2, deconv: 'transpose', copy: 'ours'},
];
const configName = (c: Config) => `${c.threads}t-${c.deconv}${c.copy === 'ours' ? '-copy' : ''}`;

const single = arg('--case');
if (single) {
  const [c, config] = JSON.parse(single) as [Case, Config];
  console.log(`RESULT ${JSON.stringify(await runCase(c, config))}`);
} else {
  const runs = Number(arg('--runs') ?? '2');
  const models = (arg('--models') ?? 'ifnet,daek-s').split(',');
  const sizes = (arg('--sizes') ?? '448x256,1280x720').split(',').map((s) => s.split('x').map(Number) as [number, number]);
  const only = arg('--configs')?.split(',');
  const configs = only ? CONFIGS.filter((c) => only.includes(configName(c))) : CONFIGS;
  const cases: Case[] = process.argv.includes('--no-conv') ? [] : [{kind: 'conv', width: 128, height: 128, runs: 10}];
  for (const model of models) {
    for (const [width, height] of sizes) cases.push({kind: 'model', model, width, height, runs});
  }
  console.log(`# tfjs-wasm threads and ConvTranspose benchmark (${os.cpus().length} cores, ` +
    `${os.cpus()[0]?.model ?? ''}, node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} at start)`);
  const table: string[] = [];
  for (const c of cases) {
    const label = c.kind === 'conv' ? `conv 3x3 64->64 ${c.width}x${c.height} (ms, GFLOP/s)` : `${c.model} ${c.width}x${c.height} (ms/frame)`;
    const cells: string[] = [];
    for (const config of configs) {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case',
        JSON.stringify([c, config])], {encoding: 'utf8', maxBuffer: 1 << 24});
      const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) {
        console.log(`${label} ${configName(config)}: failed\n${child.stderr.slice(-1500)}`);
        cells.push('failed');
        continue;
      }
      const r = JSON.parse(line.slice(7)) as Result;
      if (r.threads !== config.threads) throw new Error(`asked for ${config.threads} threads, got ${r.threads}`);
      const cell = `${r.ms.toFixed(c.kind === 'conv' ? 1 : 0)}${r.gflops ? ` (${r.gflops.toFixed(1)})` : ''}`;
      console.log(`${label} ${configName(config)}: ${cell}`);
      cells.push(cell);
    }
    table.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  console.log(`\n| case | ${configs.map(configName).join(' | ')} |\n|---|${configs.map(() => '---:').join('|')}|`);
  for (const row of table) console.log(row);
  console.log(`load average at the end: ${os.loadavg()[0]!.toFixed(1)}`);
}
