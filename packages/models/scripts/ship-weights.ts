// Ship trained weights with this package: read a trained student (a daek-train `student/model.json`, float32, or
// a daek-torch `.pth` of the preset, whose teacher tensors are left out), store it as float16 under the preset's
// name in weights/<preset>/, where createInterpolator({model: preset}) finds it, and report the size and what the
// quantisation changed. The weights/<preset>/training/ folder (logs and curves) is kept.
// Usage: tsx --conditions=@daek/source scripts/ship-weights.ts <student/model.json | model.pth> <preset>
import {mkdir, readdir, rename, rm, stat} from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {useBackend} from '@daek/flow-ops';
import {buildNetwork, loadNetworkWeights, saveNetwork, storedModelConfig, type DAEK} from '../src/node.js';

const [source, preset] = process.argv.slice(2);
if (!source || !preset) {
  console.error('usage: ship-weights <student/model.json | model.pth> <preset>');
  process.exit(2);
}
await useBackend('cpu');
const fromPth = source.endsWith('.pth');
const stored = fromPth ? null : await storedModelConfig(source);
if (!fromPth && !stored?.daekConfig) throw new Error(`${source}: not a DAEK weights file with its configuration.`);
if (stored?.daekConfig && stored.daekConfig.teacher !== 'none') {
  throw new Error(`${source}: holds a teacher; ship the student export (teacher none).`);
}
// A .pth carries no configuration: the preset's, without the teacher (its tensors in the file are ignored).
const config = stored?.daekConfig ?? {teacher: 'none' as const};
const network = buildNetwork(preset, config) as DAEK;
await loadNetworkWeights(network, source);
const target = path.resolve(import.meta.dirname, '..', 'weights', preset);
const temporary = `${target}.tmp-${process.pid}`;
await rm(temporary, {recursive: true, force: true});
await mkdir(temporary, {recursive: true});
await saveNetwork(network, temporary, {model: preset, quantize: 'float16'});
// Keep the training records beside the weights.
const records = path.join(target, 'training');
if ((await stat(records).catch(() => null))?.isDirectory()) await rename(records, path.join(temporary, 'training'));
await rm(target, {recursive: true, force: true});
await rename(temporary, target);
let bytes = 0;
for (const file of await readdir(target)) if (file !== 'training') bytes += (await stat(path.join(target, file))).size;
// What float16 changed: the largest weight difference, relative to the tensor's largest magnitude.
const check = buildNetwork(preset, config) as DAEK;
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
const shards = (await readdir(target)).filter((file) => file.endsWith('.bin'));
console.log(`shard files: ${shards.join(', ')} (src/shipped.ts must list them; its test fails until it does)`);
