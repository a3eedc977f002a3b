// Ship trained weights with this package: read a trained student (a daek-train `student/model.json`, float32),
// store it as float16 under the preset's name in weights/<preset>/, where createInterpolator({model: preset})
// finds it, and report the size and what the quantisation changed.
// Usage: tsx --conditions=@daek/source scripts/ship-weights.ts <student/model.json> <preset>
import {mkdir, readdir, rename, rm, stat} from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {useBackend} from '@daek/flow-ops';
import {buildNetwork, loadNetworkWeights, saveNetwork, storedModelConfig, type DAEK} from '../src/node.js';

const [source, preset] = process.argv.slice(2);
if (!source || !preset) {
  console.error('usage: ship-weights <student/model.json> <preset>');
  process.exit(2);
}
await useBackend('cpu');
const stored = await storedModelConfig(source);
if (!stored?.daekConfig) throw new Error(`${source}: not a DAEK weights file with its configuration.`);
if (stored.daekConfig.teacher !== 'none') throw new Error(`${source}: holds a teacher; ship the student export (teacher none).`);
const network = buildNetwork(preset, stored.daekConfig) as DAEK;
await loadNetworkWeights(network, source);
const target = path.resolve(import.meta.dirname, '..', 'weights', preset);
const temporary = `${target}.tmp-${process.pid}`;
await rm(temporary, {recursive: true, force: true});
await mkdir(temporary, {recursive: true});
await saveNetwork(network, temporary, {model: preset, quantize: 'float16'});
await rm(target, {recursive: true, force: true});
await rename(temporary, target);
let bytes = 0;
for (const file of await readdir(target)) bytes += (await stat(path.join(target, file))).size;
// What float16 changed: the largest weight difference, relative to the tensor's largest magnitude.
const check = buildNetwork(preset, stored.daekConfig) as DAEK;
await loadNetworkWeights(check, path.join(target, 'model.json'));
let worst = 0;
for (const {spec, variable} of network.store.entries()) {
  const a = variable.dataSync();
  const b = check.store.entry(spec.name)!.variable.dataSync();
  let scale = 0, diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  if (scale > 0) worst = Math.max(worst, diff / scale);
}
console.log(`${target}: ${network.store.entries().length} tensors, ${network.parameterCount().total} parameters, ` +
  `${(bytes / 1e6).toFixed(2)} MB (float16); largest relative weight change ${worst.toExponential(2)}`);
network.dispose();
check.dispose();
console.log(`tensors left: ${tf.memory().numTensors}`);
