// Cost of one training step (forward with the teacher + backward) of DAEK presets at a given size: the forward's
// multiply-accumulates, counted from the kernels tf.profile records (the backward of a convolution costs about
// twice its forward), and the wall time of the whole step on the chosen backend. The backward is not profiled:
// its kernels call other kernels (e.g. wasm's backprop kernels run matMuls), which the profile would count twice.
// Usage: tsx --conditions=@daek/source bench/train-cost.bench.ts [--size 128] [--batch 8] [--backend wasm] [--repeat 2] [preset ...]
import {parseArgs} from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {useBackend, type BackendName} from '@daek/flow-ops';
import {lapLoss, totalLoss} from '@daek/distill';
import {DAEK, resolveDaekConfig} from '../src/index.js';

const {values, positionals} = parseArgs({allowPositionals: true, options: {
  size: {type: 'string', default: '128'}, batch: {type: 'string', default: '8'}, backend: {type: 'string', default: 'wasm'}, repeat: {type: 'string', default: '2'}}});
const size = Number(values.size);
const repeat = Number(values.repeat);
const batch = Number(values.batch);
await useBackend(values.backend as BackendName);

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
/** Multiply-accumulates of one recorded kernel (convolutions and matrix products; the rest is memory-bound). */
function macs(name: string, inputs: number[][], outputs: number[][]): number {
  switch (name) {
    case 'Conv2D': case 'FusedConv2D': {
      const [fh, fw, cin] = inputs[1]!;
      return prod(outputs[0]!) * fh! * fw! * cin!;
    }
    case 'Conv2DBackpropInput': { // inputs: dy, filter
      const [fh, fw, cin] = inputs[1]!;
      return prod(inputs[0]!) * fh! * fw! * cin!;
    }
    case 'Conv2DBackpropFilter': { // inputs: x, dy; output: filter
      const [fh, fw, cin] = outputs[0]!;
      return prod(inputs[1]!) * fh! * fw! * cin!;
    }
    case 'BatchMatMul': case '_FusedMatMul': {
      const a = inputs[0]!;
      const b = inputs[1]!;
      const out = outputs[0]!;
      const k = prod(a) / (prod(out) / b[b.length - 1]!) ;
      return prod(out) * (Number.isFinite(k) ? k : 0);
    }
    default: return 0;
  }
}

const presets = positionals.length ? positionals : ['daek'];
const rows: string[] = [];
for (const spec of presets) {
  // `name` or `name:{json overrides}`.
  const cut = spec.indexOf(':');
  const preset = cut < 0 ? spec : spec.slice(0, cut);
  const overrides = cut < 0 ? {} : JSON.parse(spec.slice(cut + 1));
  const net = new DAEK(resolveDaekConfig(preset, overrides));
  const counts = net.parameterCount();
  const x0 = tf.randomUniform([batch, size, size, 3]) as tf.Tensor4D;
  const x1 = tf.randomUniform([batch, size, size, 3]) as tf.Tensor4D;
  const gt = tf.randomUniform([batch, size, size, 3]) as tf.Tensor4D;
  const forward = () => {
    const out = net.forward(x0, x1, {gt: net.config.teacher === 'none' ? null : gt, training: true});
    return [out.output, ...(out.teacher ? [out.teacher.merged] : [])];
  };
  const step = () => {
    const {value, grads} = tf.variableGrads(() => {
      const out = net.forward(x0, x1, {gt: net.config.teacher === 'none' ? null : gt, training: true});
      const rec = lapLoss(out.output, gt);
      if (!out.teacher) return totalLoss({rec}, {teacher: 'none'});
      return totalLoss({rec, recTeacher: lapLoss(out.teacher.merged, gt), distill: tf.addN(out.distillTerms!) as tf.Scalar},
        {teacher: net.config.teacher});
    }, net.store.trainableVariables());
    return [value, ...Object.values(grads)];
  };
  const profile = await tf.profile(() => forward());
  let total = 0;
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) {
    const m = macs(k.name, k.inputShapes as number[][], k.outputShapes as number[][]);
    total += m;
    byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + m);
  }
  tf.dispose(profile.result as tf.Tensor[]);
  const times: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    const out = step();
    await out[0]!.data();
    tf.dispose(out);
    times.push(performance.now() - t0);
  }
  const best = Math.min(...times) / 1000;
  rows.push(`| ${spec} | ${(counts.total / 1e6).toFixed(2)}M | ${(counts.student / 1e6).toFixed(2)}M | ${(total / 1e9).toFixed(2)} | ${(3 * total / 1e9).toFixed(1)} | ${best.toFixed(2)} | ${(batch / best).toFixed(2)} |`);
  console.error(`${spec}: ${[...byKernel].filter(([, m]) => m > 0).map(([n, m]) => `${n} ${(m / 1e9).toFixed(2)}`).join(', ')}`);
  tf.dispose([x0, x1, gt]);
  net.dispose();
}
console.log(`Training step (batch ${batch}, ${size}x${size}, forward with teacher + backward) on ${tf.getBackend()}\n`);
console.log('| preset | parameters | student | forward GMAC | ≈ step GMAC (3x) | s / step (best of ' + repeat + ') | samples/s |\n| --- | --- | --- | --- | --- | --- | --- |');
console.log(rows.join('\n'));
