// Benchmark: ms per interpolated frame (median after warm-up) of DAEK (final model) and RIFE's IFNet at
// 448x256 (Vimeo) and 1280x720 (SNU-FILM; padded to 1280x736), on cpu and wasm, with peak tensor memory
// (tf.profile) and the wasm heap. Each case runs in its own process so that every case starts from a fresh heap.
//
//   npm run bench                                   # every case
//   npm run bench -- --case daek-wasm-448x256       # one case
//   npm run bench -- --backends wasm --models daek  # a subset
//   npm run bench -- --engines tfjs,onnxruntime --threads 2   # also ONNX Runtime (@daek/onnx), 2 intra-op threads
//
// Untrained weights: speed does not depend on the values. Not a test: timings depend on the machine.
import {spawnSync} from 'node:child_process';
import os from 'node:os';
import {fileURLToPath} from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {useBackend, type BackendName} from '@daek/flow-ops';
import {createInterpolator} from '../src/node.js';

interface Case {
  name: string; model: 'daek' | 'ifnet'; backend: BackendName; width: number; height: number; runs: number; warmups: number;
  engine: 'tfjs' | 'onnxruntime'; threads?: number;
}

const SIZES = [[448, 256], [1280, 720]] as const;
const arg = (flag: string) => { const i = process.argv.indexOf(flag); return i > 0 ? process.argv[i + 1] : undefined; };
const backends = (arg('--backends') ?? 'wasm,cpu').split(',') as BackendName[];
const models = (arg('--models') ?? 'ifnet,daek').split(',') as ('daek' | 'ifnet')[];
const engines = (arg('--engines') ?? 'tfjs').split(',') as ('tfjs' | 'onnxruntime')[];
const threads = arg('--threads') ? Number(arg('--threads')) : undefined;

const CASES: Case[] = [];
// ONNX Runtime runs the network itself; tfjs (cpu) only handles the frames.
for (const backend of engines.includes('tfjs') ? backends : []) {
  for (const model of models) {
    for (const [width, height] of SIZES) {
      const big = width > 500;
      // cpu is the slow reference backend (~40x slower): one timed run, no warm-up.
      const runs = backend === 'cpu' ? 1 : big ? 3 : 5;
      CASES.push({name: `${model}-${backend}-${width}x${height}`, model, backend, width, height, runs,
        warmups: backend === 'cpu' ? 0 : 1, engine: 'tfjs', threads: backend === 'wasm' ? threads : undefined});
    }
  }
}
if (engines.includes('onnxruntime')) {
  for (const model of models) {
    for (const [width, height] of SIZES) {
      CASES.push({name: `${model}-onnxruntime-${width}x${height}`, model, backend: 'cpu', width, height,
        runs: width > 500 ? 3 : 5, warmups: 1, engine: 'onnxruntime', threads});
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function runCase(c: Case) {
  await useBackend(c.backend, c.engine === 'tfjs' && c.threads ? {threads: c.threads} : {});
  const interp = await createInterpolator({model: c.model, weights: 'random', checkFrames: false, engine: c.engine,
    ...(c.engine === 'onnxruntime' ? {threads: c.threads} : {})});
  const frame = (seed: number) => tf.randomUniform([1, c.height, c.width, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
  const a = frame(1);
  const b = frame(2);
  for (let i = 0; i < c.warmups; i++) (await interp.interpolate(a, b)).dispose();
  const times: number[] = [];
  let peakBytes = 0;
  for (let i = 0; i < c.runs; i++) {
    const start = performance.now();
    const info = await tf.profile(async () => {
      const out = await interp.interpolate(a, b);
      await out.data();
      out.dispose();
    });
    times.push(performance.now() - start);
    peakBytes = Math.max(peakBytes, info.peakBytes);
  }
  const heap = (tf.backend() as unknown as {wasm?: {HEAPU8?: Uint8Array}}).wasm?.HEAPU8?.byteLength ?? null;
  interp.dispose();
  return {...c, ms: median(times), peakBytes, wasmHeapBytes: heap, rssBytes: process.resourceUsage().maxRSS * 1024,
    executor: interp.executor};
}

const only = arg('--case');
if (only) {
  const c = CASES.find((x) => x.name === only) ?? (() => { throw new Error(`unknown case ${only}`); })();
  console.log(`RESULT ${JSON.stringify(await runCase(c))}`);
} else {
  console.log(`# @daek/models interpolation benchmark (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, node ${process.version})`);
  const rows: string[] = [];
  for (const c of CASES) {
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case', c.name],
      {encoding: 'utf8', maxBuffer: 1 << 26});
    const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) {
      console.log(`${c.name}: failed\n${child.stderr.slice(-2000)}`);
      rows.push(`| ${c.model} | ${c.backend} | ${c.width}x${c.height} | failed | | |`);
      continue;
    }
    const r = JSON.parse(line.slice(7)) as Awaited<ReturnType<typeof runCase>>;
    console.log(`${c.name}: ${r.ms.toFixed(0)} ms/frame (median of ${r.runs}), peak tensors ${mib(r.peakBytes)}` +
      `${r.wasmHeapBytes ? `, wasm heap ${mib(r.wasmHeapBytes)}` : ''}, rss ${mib(r.rssBytes)}`);
    rows.push(`| ${r.model} | ${r.executor} | ${r.width}x${r.height} | ${r.ms.toFixed(0)} | ${mib(r.peakBytes)} | ` +
      `${r.wasmHeapBytes ? mib(r.wasmHeapBytes) : '-'} / ${mib(r.rssBytes)} |`);
  }
  console.log('\n| model | engine | frame | ms / frame | peak tensor memory | wasm heap / peak process RSS |\n|---|---|---|---:|---:|---:|');
  for (const row of rows) console.log(row);
}
