/**
 * Benchmark: conv2d forward vs forward+backward on the wasm backend with the gradient kernels of
 * `registerWasmConvGradients` (src/conv_grad), for the layer shapes the networks train, plus a small stack.
 * Run: `npm run bench:conv -w @daek/flow-ops` (options: --runs 5 --layers 0,1,2 --builtin).
 * `--builtin` also times tfjs-backend-wasm's own Conv2DBackpropInput (slow) for comparison.
 *
 * FLOPs: forward = 2·B·Ho·Wo·Cout·Cin·kh·kw; forward+backward = 3x that (dX and dW each cost one forward).
 * Prints the minimum CPU time (robust to other processes on a shared machine; wasm is single-threaded)
 * and the median wall time, after one warm-up. Not a test: timings depend on the machine.
 */
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import {useBackend} from '../src/node.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const runs = Number(arg('runs', '5'));
const withBuiltin = process.argv.includes('--builtin');

interface Layer {
  name: string;
  batch: number;
  size: number;
  cin: number;
  cout: number;
  kernel: number;
  stride: number;
  pad: 'valid' | number;
}

const LAYERS: Layer[] = [
  {name: '3x3 90→90, 56², B8', batch: 8, size: 56, cin: 90, cout: 90, kernel: 3, stride: 1, pad: 1},
  {name: '3x3 192→192, 28², B8', batch: 8, size: 28, cin: 192, cout: 192, kernel: 3, stride: 1, pad: 1},
  {name: '3x3/2 64→128, 56², B8', batch: 8, size: 56, cin: 64, cout: 128, kernel: 3, stride: 2, pad: 1},
  {name: '7x7/2 3→64, 224², B8', batch: 8, size: 224, cin: 3, cout: 64, kernel: 7, stride: 2, pad: 3},
  {name: '1x1 392→256, 28², B8', batch: 8, size: 28, cin: 392, cout: 256, kernel: 1, stride: 1, pad: 'valid'},
  {name: '1x1/2 256→512, 28², B8', batch: 8, size: 28, cin: 256, cout: 512, kernel: 1, stride: 2, pad: 'valid'},
];
const selected = arg('layers', LAYERS.map((_, i) => i).join(',')).split(',').map(Number).map((i) => LAYERS[i]);

/** CPU time of this process in ms: wasm runs on this thread, so it is robust to other load on the machine. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

interface Timing {
  /** Minimum CPU ms over the runs. */
  cpu: number;
  /** Median wall ms over the runs. */
  wall: number;
}

/**
 * Time each function `runs` times, interleaved round by round (so that load from other processes hits
 * all of them alike), after one warm-up round. Outputs are read back and disposed.
 */
async function timeAll(fns: Record<string, () => tf.TensorContainer>): Promise<Record<string, Timing>> {
  const once = async (fn: () => tf.TensorContainer) => {
    const wall = performance.now(), cpu = cpuMs();
    const out = fn();
    const tensors = (Array.isArray(out) ? out : [out]) as tf.Tensor[];
    await Promise.all(tensors.map((t) => t.data()));
    const sample = {cpu: cpuMs() - cpu, wall: performance.now() - wall};
    tf.dispose(out);
    return sample;
  };
  const samples: Record<string, {cpu: number; wall: number}[]> = {};
  for (let round = 0; round <= runs; round++) {
    for (const [name, fn] of Object.entries(fns)) {
      const sample = await once(fn);
      if (round > 0) (samples[name] ??= []).push(sample);
    }
  }
  const result: Record<string, Timing> = {};
  for (const [name, list] of Object.entries(samples)) {
    const walls = list.map((s) => s.wall).sort((a, b) => a - b);
    result[name] = {cpu: Math.min(...list.map((s) => s.cpu)), wall: walls[Math.floor(walls.length / 2)]};
  }
  return result;
}

function outSize(l: Layer): number {
  const pad = l.pad === 'valid' ? 0 : l.pad;
  return Math.floor((l.size + 2 * pad - l.kernel) / l.stride) + 1;
}

function forwardFlops(l: Layer): number {
  return 2 * l.batch * outSize(l) ** 2 * l.cout * l.cin * l.kernel ** 2;
}

const fmt = (ms: number) => ms.toFixed(1);
const gflops = (flops: number, ms: number) => (flops / ms / 1e6).toFixed(1);

// Load the wasm package first so its own Conv2DBackpropInput can be timed before useBackend replaces it.
await import('@tensorflow/tfjs-backend-wasm');
const builtinInput = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
await useBackend('wasm');
// It was replaced before the backend started, so its setup (binding the C function) has not run.
builtinInput?.setupFunc?.(tf.backend());

console.log(`conv2d on wasm (XNNPACK, 1 thread): ms = min CPU ms (median wall ms) of ${runs} runs after 1 warm-up; ` +
    `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, load ${os.loadavg()[0].toFixed(1)}`);
console.log('| layer | fwd GFLOP | fwd ms | dX ms | dW ms | fwd+bwd ms | fwd+bwd / fwd | fwd GFLOP/s | fwd+bwd GFLOP/s |' +
    (withBuiltin ? ' built-in dX ms |' : ''));
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |' + (withBuiltin ? ' --- |' : ''));
for (const l of selected) {
  const x = tf.randomNormal([l.batch, l.size, l.size, l.cin], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([l.kernel, l.kernel, l.cin, l.cout], 0, 0.1, 'float32', 2) as tf.Tensor4D;
  const ho = outSize(l);
  const dy = tf.randomNormal([l.batch, ho, ho, l.cout], 0, 1, 'float32', 3) as tf.Tensor4D;
  const attrs = {strides: l.stride, pad: l.pad, dataFormat: 'NHWC', dimRoundingMode: undefined};
  const {fwd, dx, dw, both} = await timeAll({
    fwd: () => tf.conv2d(x, w, l.stride, l.pad),
    dx: () => tf.engine().runKernel(tf.Conv2DBackpropInput, {dy, filter: w},
        {...attrs, inputShape: x.shape} as unknown as tf.NamedAttrMap) as tf.Tensor,
    dw: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, {x, dy},
        {...attrs, filterShape: w.shape} as unknown as tf.NamedAttrMap) as tf.Tensor,
    // The conv's output gradient is given (tf.grads' dy), so nothing but the conv and its two gradients runs.
    both: () => tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, l.stride, l.pad))([x, w], dy),
  });
  let builtin = '';
  if (withBuiltin && builtinInput) {
    const start = cpuMs();
    const out = builtinInput.kernelFunc({inputs: {dy, filter: w}, backend: tf.backend(),
      attrs: {...attrs, inputShape: x.shape} as unknown as tf.NamedAttrMap}) as tf.TensorInfo;
    tf.backend().disposeData(out.dataId);
    builtin = ` ${fmt(cpuMs() - start)} |`;
  }
  const flops = forwardFlops(l);
  console.log(`| ${l.name} | ${(flops / 1e9).toFixed(2)} | ${fmt(fwd.cpu)} (${fmt(fwd.wall)}) | ${fmt(dx.cpu)} | ${fmt(dw.cpu)} | ` +
      `${fmt(both.cpu)} (${fmt(both.wall)}) | ${(both.cpu / fwd.cpu).toFixed(2)} | ${gflops(flops, fwd.cpu)} | ` +
      `${gflops(3 * flops, both.cpu)} |${builtin}`);
  tf.dispose([x, w, dy]);
}

// A small stack as the networks use it: fused conv + bias + PReLU, 3x3 convs with stride 1 and 2, a 1x1 head.
{
  const batch = 8, size = 64;
  const spec = [[6, 32, 2], [32, 64, 2], [64, 64, 1], [64, 64, 1], [64, 64, 1], [64, 64, 1]];
  const vars = spec.map(([cin, cout], i) => ({
    w: tf.variable(tf.randomNormal([3, 3, cin, cout], 0, 0.1, 'float32', 10 + i)),
    b: tf.variable(tf.zeros([cout])),
    alpha: tf.variable(tf.fill([cout], 0.25)),
  }));
  const head = tf.variable(tf.randomNormal([1, 1, 64, 16], 0, 0.1, 'float32', 99));
  const input = tf.randomNormal([batch, size, size, 6], 0, 1, 'float32', 5) as tf.Tensor4D;
  let flops = 0, s = size, firstLayer = 0;
  for (const [cin, cout, stride] of spec) {
    s = Math.ceil(s / stride);
    flops += 2 * batch * s * s * cin * cout * 9;
    if (firstLayer === 0) firstLayer = flops;
  }
  flops += 2 * batch * s * s * 64 * 16;
  // The input is no variable, so the first layer has no dX: backward = 2x forward less that.
  const trainFlops = 3 * flops - firstLayer;
  const net = () => {
    let h: tf.Tensor4D = input;
    spec.forEach(([, , stride], i) => {
      h = tf.fused.conv2d({x: h, filter: vars[i].w as tf.Tensor4D, strides: stride, pad: 1, bias: vars[i].b,
        activation: 'prelu', preluActivationWeights: vars[i].alpha});
    });
    return tf.conv2d(h, head as tf.Tensor4D, 1, 'valid');
  };
  const {fwd, both} = await timeAll({
    fwd: () => net(),
    both: () => {
      const {value, grads} = tf.variableGrads(() => tf.mean(tf.square(net())));
      return [value, ...Object.values(grads)];
    },
  });
  console.log(`| stack: 6 fused conv3x3+bias+PReLU + 1x1, 64², B8 | ${(flops / 1e9).toFixed(2)} | ${fmt(fwd.cpu)} (${fmt(fwd.wall)}) | – | – | ` +
      `${fmt(both.cpu)} (${fmt(both.wall)}) | ${(both.cpu / fwd.cpu).toFixed(2)} | ${gflops(flops, fwd.cpu)} | ${gflops(trainFlops, both.cpu)} |` +
      (withBuiltin ? ' – |' : ''));
  tf.dispose([input, head, ...vars.flatMap((v) => [v.w, v.b, v.alpha])]);
}
