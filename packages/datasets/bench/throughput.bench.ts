// Throughput of the loaders: triplets per second decoded (8-bit frames), and decoded + converted to tensors +
// augmented (spec §3.2, 224 crop) as a training pass consumes them.
//
//   npm run bench -- [--backend wasm|cpu] [--quick]
//   (= npx tsx --conditions=@daek/source bench/throughput.bench.ts: workspace packages from their sources)
//
// Real data is read from ../shared/data (relative to the repository root) and skipped when absent.
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {useBackend, type BackendName} from '@daek/flow-ops';
import {createSyntheticTriplets, disposeTriplet, openMiddlebury, openUcf101, openVideo, type TripletDataset} from '../src/node.js';

const args = process.argv.slice(2);
const backend = (args.includes('--backend') ? args[args.indexOf('--backend') + 1] : 'wasm') as BackendName;
const quick = args.includes('--quick');
const data = path.resolve(import.meta.dirname, '../../..', '../shared/data');

interface Case {
  name: string;
  /** Make the dataset; `augment` adds the 224 crop and the flips. */
  open(augment: boolean): TripletDataset;
  /** Passes to time (small sets are repeated to get a stable number). */
  passes: number;
}

const cases: Case[] = [];
if (existsSync(path.join(data, 'middlebury-other'))) {
  cases.push({name: 'Middlebury Other (12, 584x388..640x480 PNG)', passes: quick ? 1 : 3,
    open: (augment) => openMiddlebury(path.join(data, 'middlebury-other'), {augment})});
} else console.log(`skipped Middlebury: ${path.join(data, 'middlebury-other')} is absent`);
if (existsSync(path.join(data, 'ucf101-dvf-sample'))) {
  cases.push({name: 'UCF101-DVF sample (100, 256x256 PNG)', passes: 1,
    open: (augment) => openUcf101(path.join(data, 'ucf101-dvf-sample'), {augment, limit: quick ? 30 : undefined})});
} else console.log(`skipped UCF101: ${path.join(data, 'ucf101-dvf-sample')} is absent`);
for (const [width, height] of [[256, 256], [448, 256]]) {
  cases.push({name: `synthetic ${width}x${height}`, passes: 1,
    open: (augment) => createSyntheticTriplets({seed: 1, count: quick ? 10 : 40, width, height, augment})});
}
const vtest = path.join(data, 'video-clips', 'src', 'vtest.avi');
const ffmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (existsSync(vtest) && ffmpeg) {
  cases.push({name: 'video vtest.avi (768x576 MS-MPEG4, ffmpeg pipe, cut detection)', passes: 1,
    open: (augment) => openVideo(vtest, {augment, limit: quick ? 30 : 150})});
} else console.log(`skipped video: ${ffmpeg ? `${vtest} is absent` : 'ffmpeg is not on PATH'}`);

async function time(dataset: TripletDataset, passes: number, tensors: boolean): Promise<number> {
  let count = 0;
  const start = performance.now();
  for (let pass = 0; pass < passes; pass++) {
    if (tensors) {
      for await (const sample of dataset.samples({epoch: pass})) {
        await sample.gt.data(); // make sure the work is done, not queued
        disposeTriplet(sample);
        count++;
      }
    } else {
      for await (const raw of dataset.rawSamples({epoch: pass})) count += raw.gt.width > 0 ? 1 : 0;
    }
  }
  return count / ((performance.now() - start) / 1000);
}

await useBackend(backend);
console.log(`@daek/datasets throughput, tfjs backend ${tf.getBackend()}, ${os.cpus().length} cores (${os.cpus()[0]?.model}), ` +
    `node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| dataset | decoded (triplets/s) | decoded + tensors + augmented (triplets/s) |');
console.log('| --- | ---: | ---: |');
for (const c of cases) {
  const raw = await time(c.open(false), c.passes, false);
  const augmented = await time(c.open(true), c.passes, true);
  console.log(`| ${c.name} | ${raw.toFixed(1)} | ${augmented.toFixed(1)} |`);
}
