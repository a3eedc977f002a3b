// Engines side by side, in one run: tfjs-wasm against ONNX Runtime (1 and 2 threads) for IFNet, DAEK and daek-s,
// per frame size. Each configuration runs in its own child process, so that its peak RSS is its own.
// Reports wall ms per frame (median), process CPU ms per frame (user + system, mean) and peak RSS.
//
//   npm run bench -w packages/onnx -- [--models ifnet,daek,daek-s] [--sizes 448x256,1280x720] [--frames 3]
//                                     [--engines tfjs-wasm-1,ort-1,ort-2] [--json out.json]
//                                     [--conv-transpose native|phase] [--correlation all-pairs|memory-light]
import '../src/node.js'; // Node file access (model paths, core count), as the package's Node entry gives
import {spawnSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {useBackend} from '@daek/flow-ops';
import {buildNetwork, loadNetworkWeights, shippedWeights, storedModelConfig, tfjsExecutor, type FrameExecutor} from '@daek/models';
import {exportOnnx} from '../src/export_onnx.js';
import {sessionExecutor} from '../src/runtime/executor.js';
import {createOnnxSession} from '../src/runtime/session.js';

interface Job { model: string; width: number; height: number; engine: string; frames: number; convTranspose: 'native' | 'phase'; correlation?: string }
interface Result extends Job { wallMs: number; cpuMs: number; peakRssMb: number; description: string; error?: string }

const MEMORY_LIGHT_ABOVE = 64 * 64;

async function child(job: Job): Promise<Result> {
  const {model, width, height, engine, frames} = job;
  const correlation = (job.correlation ?? ((height / 8) * (width / 8) > MEMORY_LIGHT_ABOVE ? 'memory-light' : 'all-pairs')) as
    'all-pairs' | 'memory-light';
  // tfjs-wasm-N: the wasm backend with N threads (N > 1 needs @daek/flow-ops' Node worker shim).
  if (engine.startsWith('tfjs-wasm')) await useBackend('wasm', {threads: Number(engine.slice('tfjs-wasm-'.length) || 1)});
  else await useBackend('cpu');
  // Shipped weights where they exist (daek-s), else random ones (speed does not depend on them); no teacher.
  const weights = await shippedWeights(model);
  const stored = weights ? await storedModelConfig(weights) : null;
  const network = buildNetwork(model, {...(stored?.daekConfig ?? {teacher: 'none'}), correlation}, {teacherWidth: 0});
  if (weights) await loadNetworkWeights(network, weights);
  let executor: FrameExecutor;
  if (engine.startsWith('ort-')) {
    const threads = Number(engine.slice(4));
    const bytes = await exportOnnx(network, {correlation, convTranspose: job.convTranspose});
    const session = await createOnnxSession(bytes, {threads, runtime: 'node'});
    // As the engine of createInterpolator: frames above 1920x1088 on a session without the memory arena.
    executor = sessionExecutor(session, {lowMemory: () => createOnnxSession(bytes, {threads, runtime: 'node', memoryArena: false})});
  } else {
    executor = tfjsExecutor(network, correlation);
  }
  const frame = (shift: number) => tf.tidy(() => {
    const x = tf.linspace(0, 1, width).reshape([1, 1, width, 1]).add(shift / width);
    const y = tf.linspace(0, 1, height).reshape([1, height, 1, 1]);
    return tf.sin(x.mul(20).add(y.mul(13)).add(tf.tensor1d([0, 1, 2]).reshape([1, 1, 1, 3]))).mul(0.4).add(0.5) as tf.Tensor4D;
  });
  const [a, b] = [frame(0), frame(5)];
  (await executor.run(a, b)).dispose(); // warm-up
  const walls: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < frames; i++) {
    const start = performance.now();
    const out = await executor.run(a, b);
    await out.data();
    out.dispose();
    walls.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpu0);
  walls.sort((p, q) => p - q);
  const result: Result = {...job, wallMs: walls[Math.floor(walls.length / 2)]!, cpuMs: (cpu.user + cpu.system) / 1000 / frames,
    peakRssMb: process.resourceUsage().maxRSS / 1024, description: engine.startsWith('tfjs-wasm') ? `${executor.description}, ${engine.slice(10)} thread(s)` : executor.description};
  await executor.dispose();
  network.dispose();
  return result;
}

const {values} = parseArgs({options: {
  child: {type: 'string'}, models: {type: 'string'}, sizes: {type: 'string'}, frames: {type: 'string'},
  engines: {type: 'string'}, json: {type: 'string'}, timeout: {type: 'string'},
  'conv-transpose': {type: 'string'}, correlation: {type: 'string'},
}});
if (values.child) {
  const result = await child(JSON.parse(values.child) as Job);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}
const models = (values.models ?? 'ifnet,daek,daek-s').split(',');
const sizes = (values.sizes ?? '448x256,1280x720').split(',').map((s) => s.split('x').map(Number) as [number, number]);
const engines = (values.engines ?? 'tfjs-wasm-1,ort-1,ort-2').split(',');
const frames = Number(values.frames ?? 3);
const results: Result[] = [];
console.log(`| model | size | engine | ms/frame (wall) | CPU ms/frame | peak RSS MB |\n| --- | --- | --- | ---: | ---: | ---: |`);
for (const model of models) {
  for (const [width, height] of sizes) {
    for (const engine of engines) {
      const job: Job = {model, width, height, engine, frames,
        convTranspose: (values['conv-transpose'] ?? 'native') as Job['convTranspose'], correlation: values.correlation};
      const run = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--child', JSON.stringify(job)],
        {encoding: 'utf8', timeout: Number(values.timeout ?? 1800) * 1000, maxBuffer: 1 << 26});
      const line = run.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
      const result: Result = line ? JSON.parse(line.slice(7)) as Result :
        {...job, wallMs: NaN, cpuMs: NaN, peakRssMb: NaN, description: engine,
          error: (run.error?.message ?? run.stderr?.trim().split('\n').slice(-3).join(' ') ?? 'failed').slice(0, 300)};
      results.push(result);
      const f = (x: number) => Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—';
      console.log(`| ${model} | ${width}x${height} | ${result.description} | ${f(result.wallMs)} | ${f(result.cpuMs)} | ` +
        `${f(result.peakRssMb)} |${result.error ? ` ${result.error}` : ''}`);
    }
  }
}
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
