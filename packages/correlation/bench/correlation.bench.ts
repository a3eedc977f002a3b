// Benchmark: build + one lookup of both correlation modes on the wasm backend, at the 1/8 feature grids of
// 448x256 (56x32), 1280x720 (160x90) and, memory-light only, 3840x2160 (480x270). C = 128, 4 levels,
// radius 3 (DAEK / AMT). Prints ms (median after warm-up) and peak bytes, and a markdown table.
//
//   npm run bench                      # every case, each in its own process (a fresh wasm heap)
//   npm run bench -- --case light-720p # one case
//
// Not a test: timings depend on the machine and on what else runs on it.
import {spawnSync} from 'node:child_process';
import os from 'node:os';
import {fileURLToPath} from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {useBackend} from '@daek/flow-ops';
import {createBidirCorrelation, estimateBytes, type CorrelationMode} from '../src/index.js';

interface Case {
  name: string;
  frame: string;
  height: number;
  width: number;
  mode: CorrelationMode;
  runs: number;
  warmups: number;
}

const CHANNELS = 128;
const CASES: Case[] = [
  {name: 'pairs-vimeo', frame: '448x256', height: 32, width: 56, mode: 'all-pairs', runs: 5, warmups: 2},
  {name: 'light-vimeo', frame: '448x256', height: 32, width: 56, mode: 'memory-light', runs: 5, warmups: 2},
  {name: 'pairs-720p', frame: '1280x720', height: 90, width: 160, mode: 'all-pairs', runs: 3, warmups: 1},
  {name: 'light-720p', frame: '1280x720', height: 90, width: 160, mode: 'memory-light', runs: 3, warmups: 1},
  {name: 'light-4k', frame: '3840x2160', height: 270, width: 480, mode: 'memory-light', runs: 1, warmups: 0},
];

interface Result {
  name: string; frame: string; grid: string; mode: CorrelationMode;
  buildMs: number; lookupMs: number; totalMs: number; runs: number;
  peakBytes: number; estimateBytes: number; wasmHeapBytes: number | null;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function wasmHeapBytes(): number | null {
  const backend = tf.backend() as unknown as {wasm?: {HEAPU8?: Uint8Array}};
  return backend.wasm?.HEAPU8?.byteLength ?? null;
}

async function runCase(c: Case): Promise<Result> {
  await useBackend('wasm');
  const shape: [number, number, number, number] = [1, c.height, c.width, CHANNELS];
  const fmap0 = tf.randomNormal(shape, 0, 1, 'float32', 1) as tf.Tensor4D;
  const fmap1 = tf.randomNormal(shape, 0, 1, 'float32', 2) as tf.Tensor4D;
  // Positions = grid + a smooth-ish flow of a few pixels, as in a real refinement step.
  const grid = tf.tidy(() => tf.stack([
    tf.tile(tf.reshape(tf.range(0, c.width), [1, c.width]), [c.height, 1]),
    tf.tile(tf.reshape(tf.range(0, c.height), [c.height, 1]), [1, c.width]),
  ], 2).expandDims(0).toFloat());
  const coords0 = tf.add(grid, tf.randomNormal([1, c.height, c.width, 2], 0, 4, 'float32', 3)) as tf.Tensor4D;
  const coords1 = tf.add(grid, tf.randomNormal([1, c.height, c.width, 2], 0, 4, 'float32', 4)) as tf.Tensor4D;
  const options = {mode: c.mode, levels: 4, radius: 3};

  const once = async () => {
    const t0 = performance.now();
    const corr = createBidirCorrelation(fmap0, fmap1, options);
    const t1 = performance.now();
    const out = corr.lookup(coords0, coords1);
    await out.data();
    const t2 = performance.now();
    corr.dispose();
    out.dispose();
    return {build: t1 - t0, lookup: t2 - t1};
  };
  for (let i = 0; i < c.warmups; i++) await once();
  const times = [];
  for (let i = 0; i < c.runs; i++) times.push(await once());
  const start = tf.memory().numBytes;
  const profile = await tf.profile(async () => {
    const corr = createBidirCorrelation(fmap0, fmap1, options);
    const out = corr.lookup(coords0, coords1);
    corr.dispose();
    return out;
  });
  tf.dispose(profile.result as tf.Tensor);
  return {
    name: c.name, frame: c.frame, grid: `${c.width}x${c.height}`, mode: c.mode,
    buildMs: median(times.map((t) => t.build)), lookupMs: median(times.map((t) => t.lookup)),
    totalMs: median(times.map((t) => t.build + t.lookup)), runs: c.runs,
    peakBytes: profile.peakBytes - start,
    estimateBytes: estimateBytes(c.height, c.width, {...options, channels: CHANNELS}).peakBytes,
    wasmHeapBytes: wasmHeapBytes(),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.indexOf('--case') >= 0 ? args[args.indexOf('--case') + 1] : null;
  if (only) {
    const c = CASES.find((x) => x.name === only);
    if (!c) throw new Error(`--case: expected one of ${CASES.map((x) => x.name).join(', ')}, got ${only}`);
    console.log(`RESULT ${JSON.stringify(await runCase(c))}`);
    return;
  }
  console.log(`# @daek/correlation benchmark: wasm backend, C=${CHANNELS}, levels 4, radius 3`);
  console.log(`# ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const results: Result[] = [];
  for (const c of CASES) {
    // One process per case: the wasm heap only grows, so each case gets a fresh one.
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case', c.name],
        {encoding: 'utf8', timeout: 15 * 60 * 1000, maxBuffer: 1 << 24});
    const line = (child.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) {
      console.log(`${c.name}: failed (${child.error?.message ?? `exit ${child.status}`}) ${(child.stderr ?? '').split('\n').filter(Boolean).slice(-3).join(' | ')}`);
      continue;
    }
    const r = JSON.parse(line.slice(7)) as Result;
    results.push(r);
    console.log(`${r.name}: build ${r.buildMs.toFixed(0)} ms, lookup ${r.lookupMs.toFixed(0)} ms, peak ${mb(r.peakBytes)} ` +
        `(estimate ${mb(r.estimateBytes)}), wasm heap ${r.wasmHeapBytes == null ? '?' : mb(r.wasmHeapBytes)}`);
  }
  console.log(`\n| frame (feature grid) | mode | build ms | lookup ms | build + lookup ms | runs | peak tensor bytes | estimateBytes | wasm heap after |`);
  console.log(`|---|---|---|---|---|---|---|---|---|`);
  for (const r of results) {
    console.log(`| ${r.frame} (${r.grid}) | ${r.mode} | ${r.buildMs.toFixed(0)} | ${r.lookupMs.toFixed(0)} | ${r.totalMs.toFixed(0)} | ` +
        `${r.runs} | ${mb(r.peakBytes)} | ${mb(r.estimateBytes)} | ${r.wasmHeapBytes == null ? '?' : mb(r.wasmHeapBytes)} |`);
  }
}

await main();
