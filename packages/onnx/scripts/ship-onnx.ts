// Regenerate the .onnx files that ship with this package from the shipped daek-s weights of @daek/models
// (packages/models/weights/daek-s): models/daek-s.onnx (float32) and models/daek-s.fp16.onnx (float16 weights), with the
// memory-light correlation (exportOnnx's default: faster in ONNX Runtime at every size, linear memory).
// Run after the weights are retrained: npm run ship-onnx -w packages/onnx. Reports what float16 changes on a
// frame pair (frames, flows), measured with ONNX Runtime.
import '../src/node.js'; // Node file access (model paths, core count), as the package's Node entry gives
import {mkdir, rename, writeFile} from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {buildNetwork, loadNetworkWeights, shippedWeights, storedModelConfig} from '@daek/models';
import {exportOnnx} from '../src/export_onnx.js';
import {createOnnxSession} from '../src/runtime/session.js';
import {SHIPPED_ONNX} from '../src/shipped.js';

const MODEL = 'daek-s';
await tf.setBackend('cpu');
const weights = await shippedWeights(MODEL);
if (!weights) throw new Error(`no weights ship for ${MODEL} in @daek/models`);
const stored = await storedModelConfig(weights);
const network = buildNetwork(MODEL, {...(stored?.daekConfig ?? {}), correlation: 'memory-light'});
await loadNetworkWeights(network, weights);
const root = path.resolve(import.meta.dirname, '..');
await mkdir(path.join(root, 'models'), {recursive: true});
const files: Record<string, Uint8Array> = {};
for (const precision of ['float32', 'float16'] as const) {
  const bytes = await exportOnnx(network, {precision, model: MODEL});
  const target = path.join(root, SHIPPED_ONNX[MODEL]![precision]);
  await writeFile(`${target}.tmp-${process.pid}`, bytes);
  await rename(`${target}.tmp-${process.pid}`, target);
  files[precision] = bytes;
  console.log(`${target}: ${(bytes.length / 1e6).toFixed(2)} MB`);
}
network.dispose();

// float16's cost on a smooth moving test pattern at 448x256, both files on ONNX Runtime.
const [b, h, w] = [1, 256, 448];
const frame = (shift: number) => {
  const data = new Float32Array(b * 3 * h * w);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    data[(c * h + y) * w + x] = 0.5 + 0.4 * Math.sin((x + shift) / 17 * (c + 1) + y / 23) * Math.cos(y / 31 - x * c / 41);
  }
  return data;
};
const [f0, f1] = [frame(0), frame(6)];
const outputs = [];
for (const precision of ['float32', 'float16'] as const) {
  const session = await createOnnxSession(files[precision]!, {threads: 1});
  outputs.push(await session.run(f0, f1, {batch: b, height: h, width: w}));
  await session.release();
}
const maxAbs = (a: Float32Array, c: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - c[i]!)), 0);
console.log(`float16 weights vs float32 at ${w}x${h}: frame max abs ${maxAbs(outputs[0]!.merged, outputs[1]!.merged).toExponential(2)}, ` +
  `flow max abs ${maxAbs(outputs[0]!.flow, outputs[1]!.flow).toExponential(2)} px`);
