// `daek-data export`: write any triplet source as a Vimeo-90K triplet set (sequences/<seq>/<n>/im1.png (frame 0),
// im2.png (ground truth), im3.png (frame 1) + tri_trainlist.txt), the layout every RIFE-style trainer reads,
// daek-torch-train included. Synthetic triplets also get their exact flow (flow_t0.flo, flow_t1.flo). Data preparation (video decoding, holdout, scene cuts, synthetic scenes) is thus
// written once, here.
import {readFileSync} from 'node:fs';
import {mkdir, rename, writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {TripletDataset} from './dataset.js';
import {exclusionRanges, type FrameRange} from './frame-schedule.js';
import {encodeFlo} from './flo.js';
import {writeImage} from './image.js';
import type {SyntheticFlow} from './synthetic-flow.js';
import type {SyntheticTripletDataset} from './synthetic.js';
import {writeFileAtomic} from './write-file.js';

/**
 * The flow files of a synthetic triplet folder, beside im1-3.png: Middlebury .flo, the exact flow from the ground
 * truth (im2) to frame0 (im1) and to frame1 (im3) (RIFE's F_t->0 and F_t->1; see {@link renderSyntheticFlow}).
 */
export const EXPORT_FLOW_FILES: {
  /** The flow from the ground truth to frame0 (F_t->0). */
  readonly toFrame0: 'flow_t0.flo';
  /** The flow from the ground truth to frame1 (F_t->1). */
  readonly toFrame1: 'flow_t1.flo';
} = {toFrame0: 'flow_t0.flo', toFrame1: 'flow_t1.flo'};

/** Options of {@link exportVimeoTriplets}. */
export interface ExportOptions {
  /** Output folder (created): `sequences/`, `tri_trainlist.txt`, `tri_testlist.txt` (empty), `export.json`. */
  out: string;
  /** Called after every written triplet. */
  onProgress?: (progress: ExportProgress) => void;
  /**
   * Write the exact flow of sources that have one (the synthetic generator) as `flow_t0.flo` and `flow_t1.flo` in
   * each triplet folder (default true; 2 x 8 bytes per pixel, about 1.8 MB per 448x256 triplet).
   */
  flow?: boolean;
  /**
   * Where the image textures of synthetic sources came from (`daek-data export --synthetic-textures`), per source
   * dataset: recorded in `export.json` as that source's `textures`, so the data can be made again.
   */
  textures?: ReadonlyMap<TripletDataset, ExportedTextures>;
}

/** The texture images of a synthetic source (`--synthetic-textures DIR`), as recorded in `export.json`. */
export interface ExportedTextures {
  /** The folder (absolute path). */
  folder: string;
  /** Images used. */
  count: number;
  /** Images found below the folder. */
  available: number;
  /** The images used, relative to the folder (`/` separators), in path order: the order of `textures`. */
  files: string[];
}

/** Progress of an export. */
export interface ExportProgress {
  /** The source being written. */
  source: string;
  /** Triplets written so far, over all sources. */
  written: number;
}

/** What {@link exportVimeoTriplets} wrote. */
export interface ExportSummary {
  /** The output folder. */
  out: string;
  /** Triplets written, in list order. */
  triplets: number;
  /** Per source: what was written and what the loader left out. */
  sources: ExportedSource[];
}

/** One source of an {@link ExportSummary}. */
export interface ExportedSource {
  /** The loader's name, e.g. `video:clip.mp4`. */
  name: string;
  /** Its folder under `sequences/`. */
  sequence: string;
  /** Triplets written. */
  triplets: number;
  /** Frames where the video loader found a scene cut. */
  sceneCuts: number[];
  /** Triplets not written because they span a scene cut. */
  droppedAtSceneCuts: number;
  /** Triplets not written because they touch held-out frames. */
  excluded: number;
  /** Samples skipped by the error policy (always 0: export throws on a bad sample). */
  skipped: number;
  /**
   * Extra files in each of this source's triplet folders: `['flow_t0.flo', 'flow_t1.flo']` (see
   * {@link EXPORT_FLOW_FILES}) for a source with exact flow (synthetic), `[]` otherwise.
   */
  flowFiles: string[];
  /** The texture images of a synthetic source made with them (see {@link ExportOptions.textures}); absent otherwise. */
  textures?: ExportedTextures;
}

/** The exact-flow method of a source that has one (the synthetic generator's `groundTruthFlow`). */
function flowSourceOf(dataset: TripletDataset): ((id: string) => SyntheticFlow) | undefined {
  const method = (dataset as Partial<SyntheticTripletDataset>).groundTruthFlow;
  return typeof method === 'function' ? method.bind(dataset) : undefined;
}

/**
 * Write every triplet of every dataset (in order, no augmentation) as a Vimeo-layout set. Source `i` becomes
 * `sequences/<i+1, 5 digits>/`, its triplets `<n, 4+ digits>/`. Each image is written to a temporary name and
 * renamed; the list file is written last (also atomically), so an interrupted export has no list and no
 * trainer reads it. What a video loader drops (scene cuts, holdout frames) is reported in `export.json`.
 * Sources with an exact flow (the synthetic generator, {@link createSyntheticTriplets}) also get `flow_t0.flo` and
 * `flow_t1.flo` in each triplet folder (Middlebury .flo, written the same way; `options.flow: false` leaves them
 * out), listed per source in `export.json` as `flowFiles`. The flow is computed for the frames as written (same
 * size, same t), so it matches them pixel for pixel; it does not depend on the textures. The texture images of a
 * synthetic source, when `options.textures` names them, are listed in `export.json` as its `textures`.
 */
export async function exportVimeoTriplets(sources: TripletDataset[], options: ExportOptions): Promise<ExportSummary> {
  if (!Array.isArray(sources) || sources.length === 0) throw new Error('daek-data export: no source given (see --help).');
  if (typeof options?.out !== 'string' || options.out === '') throw new Error('daek-data export: --out DIR is required.');
  const out = path.resolve(options.out);
  await mkdir(path.join(out, 'sequences'), {recursive: true});
  const entries: string[] = [];
  const summary: ExportSummary = {out, triplets: 0, sources: []};
  for (const [i, dataset] of sources.entries()) {
    const sequence = String(i + 1).padStart(5, '0');
    const flowOf = options.flow === false ? undefined : flowSourceOf(dataset);
    let n = 0;
    for await (const raw of dataset.rawSamples()) {
      n += 1;
      const entry = `${sequence}/${String(n).padStart(4, '0')}`;
      const dir = path.join(out, 'sequences', entry);
      await writeImage(path.join(dir, 'im1.png'), raw.frame0);
      await writeImage(path.join(dir, 'im2.png'), raw.gt);
      await writeImage(path.join(dir, 'im3.png'), raw.frame1);
      if (flowOf) {
        const flow = flowOf(raw.id);
        const {width, height} = raw.gt;
        if (flow.width !== width || flow.height !== height || flow.t !== raw.t) {
          throw new Error(`daek-data export: ${raw.id}: the flow (${flow.width}x${flow.height}, t = ${flow.t}) does not match ` +
              `the frames (${width}x${height}, t = ${raw.t}); nothing was listed in ${out}`);
        }
        await writeFileAtomic(path.join(dir, EXPORT_FLOW_FILES.toFrame0), encodeFlo({width, height, data: flow.toFrame0}), undefined, 'flow');
        await writeFileAtomic(path.join(dir, EXPORT_FLOW_FILES.toFrame1), encodeFlo({width, height, data: flow.toFrame1}), undefined, 'flow');
      }
      entries.push(entry);
      options.onProgress?.({source: dataset.name, written: entries.length});
    }
    const pass = dataset.lastSummary;
    const textures = options.textures?.get(dataset);
    summary.sources.push({name: dataset.name, sequence, triplets: n, sceneCuts: pass?.sceneCuts ?? [],
      droppedAtSceneCuts: pass?.droppedAtSceneCuts ?? 0, excluded: pass?.excluded ?? 0, skipped: pass?.skipped.length ?? 0,
      flowFiles: flowOf ? [EXPORT_FLOW_FILES.toFrame0, EXPORT_FLOW_FILES.toFrame1] : [],
      ...(textures ? {textures: {...textures, files: [...textures.files]}} : {})});
  }
  if (entries.length === 0) {
    throw new Error(`daek-data export: the sources gave no triplet (${sources.map((s) => s.name).join(', ')}); ` +
        'check --gap/--stride, the holdout manifest and the inputs. Nothing was listed in ' + out);
  }
  summary.triplets = entries.length;
  await atomicWrite(path.join(out, 'tri_testlist.txt'), '');
  await atomicWrite(path.join(out, 'export.json'), `${JSON.stringify(summary, null, 1)}\n`);
  await atomicWrite(path.join(out, 'tri_trainlist.txt'), `${entries.join('\n')}\n`);
  return summary;
}

async function atomicWrite(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/**
 * Frames to hold out, per video file name, from a manifest of evaluation triplets in the layout of
 * `video-clips/triplets/manifest.json` (`{"<video>": {"triplets": [{"source_frames": [a, b, c]}, ...]}}`): every
 * frame within `margin` frames of an evaluation triplet (the same rule as daek-train's `--holdout`).
 */
export function readHoldout(manifestFile: string, margin: number): Map<string, FrameRange[]> {
  let manifest: Record<string, {triplets?: {source_frames?: number[]}[]}>;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as typeof manifest;
  } catch (error) {
    throw new Error(`--holdout ${manifestFile}: cannot read the manifest (${(error as Error).message}).`);
  }
  const out = new Map<string, FrameRange[]>();
  for (const [video, entry] of Object.entries(manifest ?? {})) {
    const triplets = (entry?.triplets ?? []).map((t) => t.source_frames);
    if (triplets.length === 0 || triplets.some((f) => !Array.isArray(f) || f.length !== 3 || !f.every(Number.isInteger))) {
      throw new Error(`--holdout ${manifestFile}: "${video}" needs triplets with three integer source_frames each.`);
    }
    out.set(video, exclusionRanges(triplets as [number, number, number][], margin));
  }
  if (out.size === 0) throw new Error(`--holdout ${manifestFile}: the manifest names no video.`);
  return out;
}
