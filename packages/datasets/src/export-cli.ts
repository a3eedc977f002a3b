// The `daek-data` command: `daek-data export --out DIR SOURCE...` writes sources as a Vimeo-layout triplet set.
import path from 'node:path';
import {parseArgs} from 'node:util';
import type {TripletDataset} from './dataset.js';
import {exportVimeoTriplets, readHoldout} from './export.js';
import {openFrameFolder} from './frame-folder.js';
import {createSyntheticTriplets} from './synthetic.js';
import {openVideo} from './video.js';

/** `daek-data --help`. */
export const EXPORT_USAGE = `daek-data export --out DIR [options] SOURCE...: write triplets as a Vimeo-90K triplet set
(DIR/sequences/<seq>/<n>/im1.png, im2.png (ground truth), im3.png and DIR/tri_trainlist.txt), which
daek-torch-train (--data vimeo:DIR) and any RIFE-style trainer read.

Sources
  video:FILE              any video ffmpeg decodes: triplets (s, s+gap, s+2·gap); scene cuts are dropped
  frames:DIR              a folder of numbered frames: same triplets
  synthetic               seeded synthetic scenes with exact ground truth
Options
  --out DIR               output folder (required)
  --holdout FILE          evaluation manifest (video-clips/triplets/manifest.json layout): no video frame within
                          --holdout-margin frames of a held-out triplet is exported
  --holdout-margin N      default 2
  --gap N --stride N      video/frames: frames between a triplet's frames and between triplets (default 1, 1)
  --size WxH              video: scale frames in ffmpeg (default: the video's size)
  --no-scene-cut          video: keep triplets across scene cuts
  --synthetic-count N     synthetic triplets (default 1000)
  --synthetic-size WxH    synthetic frame size (default 448x256, Vimeo's)
  --seed N                synthetic scenes (default 1234)
  -h, --help              this text
Example: daek-data export --out data/train --holdout clips/manifest.json video:a.mp4 video:b.mp4 synthetic`;

function integer(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name}: expected an integer >= ${min}, got '${text}'.`);
  return v;
}

function size(name: string, text: string | undefined): {width: number; height: number} | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)x(\d+)$/.exec(text);
  if (!m) throw new Error(`--${name}: expected WxH such as 448x256, got '${text}'.`);
  return {width: Number(m[1]), height: Number(m[2])};
}

/** What {@link openExportSources} returns. */
export interface ExportRequest {
  /** The output folder (`--out`). */
  out: string;
  /** The opened sources, in command-line order. */
  sources: TripletDataset[];
}

/** Open the sources a command line names (everything after `export`). */
export function openExportSources(argv: string[]): ExportRequest {
  const {values, positionals} = parseArgs({args: argv, allowPositionals: true, options: {
    out: {type: 'string'}, holdout: {type: 'string'}, 'holdout-margin': {type: 'string'}, gap: {type: 'string'},
    stride: {type: 'string'}, size: {type: 'string'}, 'no-scene-cut': {type: 'boolean'},
    'synthetic-count': {type: 'string'}, 'synthetic-size': {type: 'string'}, seed: {type: 'string'},
  }});
  if (!values.out) throw new Error('daek-data export: --out DIR is required.');
  if (positionals.length === 0) throw new Error('daek-data export: name at least one source (video:FILE, frames:DIR, synthetic).');
  const gap = integer('gap', values.gap, 1);
  const stride = integer('stride', values.stride, 1);
  const holdout = values.holdout ? readHoldout(values.holdout, integer('holdout-margin', values['holdout-margin'], 2, 0)) : null;
  const seed = integer('seed', values.seed, 1234, 0);
  const common = {onError: 'throw' as const, prefetch: 2};
  const sources = positionals.map((spec): TripletDataset => {
    const [kind, ...rest] = spec.split(':');
    const target = rest.join(':');
    if (kind === 'synthetic' && target === '') {
      const s = size('synthetic-size', values['synthetic-size']) ?? {width: 448, height: 256};
      return createSyntheticTriplets({...common, count: integer('synthetic-count', values['synthetic-count'], 1000), seed,
        width: s.width, height: s.height});
    }
    if (kind === 'video' && target) {
      const exclude = holdout?.get(path.basename(target)) ?? [];
      return openVideo(target, {...common, gap, stride, exclude, size: size('size', values.size),
        sceneCut: values['no-scene-cut'] ? false : undefined});
    }
    if (kind === 'frames' && target) return openFrameFolder(target, {...common, gap, stride});
    throw new Error(`daek-data export: unknown source '${spec}'; use video:FILE, frames:DIR or synthetic.`);
  });
  return {out: values.out, sources};
}

/** Entry point of `daek-data`; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || rest.includes('--help') || rest.includes('-h')) {
    console.log(EXPORT_USAGE);
    return command ? 0 : 1;
  }
  if (command !== 'export') {
    console.error(`daek-data: unknown command '${command}'. Commands: export.\n\n${EXPORT_USAGE}`);
    return 2;
  }
  try {
    const {out, sources} = openExportSources(rest);
    let last = 0;
    const summary = await exportVimeoTriplets(sources, {out, onProgress: ({source, written}) => {
      if (process.stderr.isTTY && Date.now() - last > 500) {
        last = Date.now();
        process.stderr.write(`\r${source}: ${written} triplets written`);
      }
    }});
    if (process.stderr.isTTY) process.stderr.write('\n');
    for (const s of summary.sources) {
      console.log(`${s.name}: ${s.triplets} triplets -> sequences/${s.sequence} (scene cuts ${s.sceneCuts.length}, ` +
        `dropped at cuts ${s.droppedAtSceneCuts}, held out ${s.excluded})`);
    }
    console.log(`wrote ${summary.triplets} triplets to ${summary.out} (train with: daek-torch-train --data vimeo:${summary.out})`);
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('src', 'export-cli.ts'))) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
