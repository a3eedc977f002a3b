// Throughput of `daek-interp video --multi 2` with the shipped model: interpolated frames per second at 480p,
// 720p and 1080p, per engine, through the same code path as the command (decode, network, encode).
// Usage: npx tsx --conditions=@daek/source bench/throughput.bench.ts [--engines tfjs,onnxruntime] [--frames 3] [--sizes 854x480,1280x720,1920x1080]
import os from 'node:os';
import path from 'node:path';
import {parseArgs} from 'node:util';
import {createEngine} from '../src/engines.js';
import type {EngineName} from '../src/engine.js';
import {interpolateVideo} from '../src/video.js';
import {makeClip, removeFolder, temporaryFolder} from '../test/helpers.js';

const {values} = parseArgs({options: {engines: {type: 'string'}, frames: {type: 'string'}, sizes: {type: 'string'}, threads: {type: 'string'}}});
const engines = (values.engines ?? 'tfjs').split(',') as EngineName[];
const frames = Number(values.frames ?? 3);
const sizes = (values.sizes ?? '854x480,1280x720,1920x1080').split(',');
const threads = values.threads ? Number(values.threads) : undefined;
const dir = temporaryFolder('daek-interp-bench-');
const rows: string[] = [];
let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 200);
try {
  for (const size of sizes) {
    const clip = path.join(dir, `${size}.mkv`);
    makeClip(clip, {frames, size, codec: ['-c:v', 'ffv1']});
    for (const engine of engines) {
      peakRss = 0;
      // Load the model once outside the timed run (the command loads it once per job too; this isolates it).
      const loadStart = Date.now();
      const loaded = await createEngine({engine, ...(threads ? {threads} : {})});
      const loadSeconds = (Date.now() - loadStart) / 1000;
      const cpuStart = process.cpuUsage();
      const summary = await interpolateVideo({
        input: clip, output: path.join(dir, `${size}-${engine}.mkv`), rate: {multi: 2},
        pairs: {depth: 4, sceneThreshold: 0.3, sceneCut: 'duplicate'}, engine: {engine}, overwrite: true,
      }, {stderr: process.stderr, quiet: true, createEngine: async () => loaded});
      const fps = summary.interpolated / summary.seconds;
      const cpu = process.cpuUsage(cpuStart);
      // CPU seconds of this process (all its threads; ffmpeg's own processes not counted) per interpolated frame.
      const cpuPerFrame = (cpu.user + cpu.system) / 1e6 / summary.interpolated;
      rows.push(`| ${size} | ${engine} | ${summary.interpolated} | ${summary.seconds.toFixed(1)} | ${(100 * summary.networkSeconds / summary.seconds).toFixed(0)}% | **${fps.toFixed(3)}** | ` +
        `${(summary.seconds / summary.interpolated).toFixed(1)} | ${cpuPerFrame.toFixed(1)} | ${loadSeconds.toFixed(1)} | ${(peakRss / 2 ** 20).toFixed(0)} MiB |`);
      process.stderr.write(`${rows[rows.length - 1]}\n`);
    }
  }
} finally {
  clearInterval(sampler);
  removeFolder(dir);
}
console.log(`cpus: ${os.cpus().length} x ${os.cpus()[0]?.model}; load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| size | engine | interpolated frames | seconds (decode + network + encode + mux) | of which network | interpolated frames/s | s per frame | CPU s per frame | model load s | peak RSS |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const row of rows) console.log(row);
