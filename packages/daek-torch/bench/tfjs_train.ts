// daek-train's training step (tfjs-wasm) timed on seeded noise, with an explicit XNNPACK thread count.
// Usage: tsx --conditions=@daek/source bench/tfjs_train.ts PRESET CROP BATCH THREADS STEPS [MICRO_BATCH]
// MICRO_BATCH: samples per forward/backward pass (the 4 GiB wasm heap does not hold daek-s at 224 x 8 in one pass).
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import {useBackend} from '@daek/flow-ops';
import {benchmarkSteps} from '@daek/trainer';

const [preset, crop, batch, threads, steps, micro] = process.argv.slice(2);
await useBackend('wasm', {threads: Number(threads), wasmModule: tfWasm});
let cpuStart = process.cpuUsage();
const r = await benchmarkSteps({onStep: (index) => {
  if (index === -1) cpuStart = process.cpuUsage();
}, model: {model: 'daek', preset: preset!, overrides: {}}, backend: 'wasm', crop: Number(crop),
  batch: Number(batch), steps: Number(steps), warmup: 1, microBatch: micro ? Number(micro) : undefined});
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(JSON.stringify({samplesPerCpuSecond: Number(batch) * Number(steps) / cpuSeconds, engine: 'daek-train (tfjs-wasm)', preset, crop: Number(crop), batch: Number(batch),
  threads: Number(threads), microBatch: micro ? Number(micro) : Number(batch), samplesPerSecond: r.samplesPerSecond, stepSeconds: r.stepSeconds}));
