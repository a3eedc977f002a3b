// The `daek-data` command: `daek-data export --out DIR SOURCE...` writes sources as a Vimeo-layout triplet set.
import path from 'node:path';
import {parseArgs} from 'node:util';
import type {TripletDataset} from './dataset.js';
import {exportVimeoTriplets, readHoldout, type ExportedTextures} from './export.js';
import {openFrameFolder} from './frame-folder.js';
import {createSyntheticTriplets} from './synthetic.js';
import {loadSyntheticTextures, MAX_DEFAULT_TEXTURES, MAX_TEXTURE_BYTES, type LoadedTextures} from './synthetic-textures.js';
import {openVideo} from './video.js';

/** `daek-data --help`. */
export const EXPORT_USAGE = `daek-data export --out DIR [options] SOURCE...: write triplets as a Vimeo-90K triplet set
(DIR/sequences/<seq>/<n>/im1.png, im2.png (ground truth), im3.png and DIR/tri_trainlist.txt), which
daek-torch-train (--data vimeo:DIR) and any RIFE-style trainer read. DIR/export.json reports what was written.
Synthetic triplet folders also get the exact flow from im2 (time t) to im1 and to im3: flow_t0.flo and
flow_t1.flo (Middlebury .flo: float32 202021.25, int32 W, int32 H, then H*W*(u, v) float32, little-endian;
RIFE's F_t->0 / F_t->1: im1 sampled at (x + u, y + v), pixel centres at integers, shows im2 at (x, y); about
1.8 MB per 448x256 triplet).

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
  --size WxH              video: scale frames in ffmpeg (default: the video's size); synthetic frames are
                          rendered at --synthetic-size instead, never rescaled
  --no-scene-cut          video: keep triplets across scene cuts
  --synthetic-count N     synthetic triplets (default 1000)
  --synthetic-size WxH    synthetic frame size (default 448x256, Vimeo's)
  --seed N                synthetic scenes (default 1234)
  --synthetic-textures DIR
                          synthetic: cut the layers' textures from the .png/.jpg/.jpeg images below DIR (recursive,
                          sorted by path; a symbolic link below DIR is an error) instead of procedural noise,
                          stripes and checkerboards: FlyingChairs-style motion of real image content, e.g. frames
                          of an earlier export of training clips. Never use test-set images. export.json records
                          the folder and the files used. The images are decoded into memory (W*H*3 bytes each,
                          at most ${MAX_TEXTURE_BYTES / 1024 ** 3} GiB in all); a folder of more than ${MAX_DEFAULT_TEXTURES} needs --synthetic-texture-count
  --synthetic-texture-count N
                          use N of those images, a sample drawn from --seed (same folder, same seed: same images)
  --no-flow               synthetic: leave out flow_t0.flo and flow_t1.flo
  -h, --help              this text
Example: daek-data export --out data/train --holdout clips/manifest.json video:a.mp4 video:b.mp4 synthetic
         daek-data export --out data/chairs --synthetic-textures data/train/sequences --synthetic-texture-count 200 synthetic`;

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
  /** Whether to write the exact flow of synthetic sources (false with `--no-flow`). */
  flow: boolean;
  /**
   * The texture images of the synthetic sources made with `--synthetic-textures` (empty without it): pass as
   * `textures` to {@link exportVimeoTriplets} so that `export.json` records them.
   */
  textures: Map<TripletDataset, ExportedTextures>;
}

/**
 * Open the sources a command line names (everything after `export`). Asynchronous because `--synthetic-textures`
 * images are decoded here, once for all `synthetic` sources.
 */
export async function openExportSources(argv: string[]): Promise<ExportRequest> {
  const {values, positionals} = parseArgs({args: argv, allowPositionals: true, options: {
    out: {type: 'string'}, holdout: {type: 'string'}, 'holdout-margin': {type: 'string'}, gap: {type: 'string'},
    stride: {type: 'string'}, size: {type: 'string'}, 'no-scene-cut': {type: 'boolean'},
    'synthetic-count': {type: 'string'}, 'synthetic-size': {type: 'string'}, seed: {type: 'string'},
    'no-flow': {type: 'boolean'}, 'synthetic-textures': {type: 'string'}, 'synthetic-texture-count': {type: 'string'},
  }});
  if (!values.out) throw new Error('daek-data export: --out DIR is required.');
  if (positionals.length === 0) throw new Error('daek-data export: name at least one source (video:FILE, frames:DIR, synthetic).');
  const gap = integer('gap', values.gap, 1);
  const stride = integer('stride', values.stride, 1);
  const holdout = values.holdout ? readHoldout(values.holdout, integer('holdout-margin', values['holdout-margin'], 2, 0)) : null;
  const seed = integer('seed', values.seed, 1234, 0);
  const common = {onError: 'throw' as const, prefetch: 2};
  const textureDir = values['synthetic-textures'];
  const textureCount = values['synthetic-texture-count'];
  if (textureCount !== undefined && textureDir === undefined) {
    throw new Error('daek-data export: --synthetic-texture-count needs --synthetic-textures DIR.');
  }
  let textures: LoadedTextures | undefined;
  if (textureDir !== undefined) {
    if (!positionals.includes('synthetic')) throw new Error('daek-data export: --synthetic-textures is for the synthetic source; name it.');
    textures = await loadSyntheticTextures(textureDir, {count: textureCount === undefined ? undefined
      : integer('synthetic-texture-count', textureCount, 1), seed});
  }
  const textureSources = new Map<TripletDataset, ExportedTextures>();
  const sources = positionals.map((spec): TripletDataset => {
    const [kind, ...rest] = spec.split(':');
    const target = rest.join(':');
    if (kind === 'synthetic' && target === '') {
      const s = size('synthetic-size', values['synthetic-size']) ?? {width: 448, height: 256};
      const dataset = createSyntheticTriplets({...common, count: integer('synthetic-count', values['synthetic-count'], 1000), seed,
        width: s.width, height: s.height, textures: textures?.images});
      if (textures) textureSources.set(dataset, textures.source);
      return dataset;
    }
    if (kind === 'video' && target) {
      const exclude = holdout?.get(path.basename(target)) ?? [];
      return openVideo(target, {...common, gap, stride, exclude, size: size('size', values.size),
        sceneCut: values['no-scene-cut'] ? false : undefined});
    }
    if (kind === 'frames' && target) return openFrameFolder(target, {...common, gap, stride});
    throw new Error(`daek-data export: unknown source '${spec}'; use video:FILE, frames:DIR or synthetic.`);
  });
  return {out: values.out, sources, flow: !values['no-flow'], textures: textureSources};
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
    const {out, sources, flow, textures} = await openExportSources(rest);
    let last = 0;
    const summary = await exportVimeoTriplets(sources, {out, flow, textures, onProgress: ({source, written}) => {
      if (process.stderr.isTTY && Date.now() - last > 500) {
        last = Date.now();
        process.stderr.write(`\r${source}: ${written} triplets written`);
      }
    }});
    if (process.stderr.isTTY) process.stderr.write('\n');
    for (const s of summary.sources) {
      console.log(`${s.name}: ${s.triplets} triplets -> sequences/${s.sequence} (scene cuts ${s.sceneCuts.length}, ` +
        `dropped at cuts ${s.droppedAtSceneCuts}, held out ${s.excluded})${s.flowFiles.length ? `, with ${s.flowFiles.join(', ')}` : ''}` +
        (s.textures ? `, textures: ${s.textures.count} of ${s.textures.available} images below ${s.textures.folder}` : ''));
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
