// `daek-data export`: write any triplet source as a Vimeo-90K triplet set (sequences/<seq>/<n>/im1.png (frame 0),
// im2.png (ground truth), im3.png (frame 1) + tri_trainlist.txt), the layout every RIFE-style trainer reads,
// daek-torch-train included. Data preparation (video decoding, holdout, scene cuts, synthetic scenes) is thus
// written once, here.
import {readFileSync} from 'node:fs';
import {mkdir, rename, writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {TripletDataset} from './dataset.js';
import {exclusionRanges, type FrameRange} from './frame-schedule.js';
import {writeImage} from './image.js';

/** Options of {@link exportVimeoTriplets}. */
export interface ExportOptions {
  /** Output folder (created): `sequences/`, `tri_trainlist.txt`, `tri_testlist.txt` (empty), `export.json`. */
  out: string;
  /** Called after every written triplet. */
  onProgress?: (progress: ExportProgress) => void;
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
}

/**
 * Write every triplet of every dataset (in order, no augmentation) as a Vimeo-layout set. Source `i` becomes
 * `sequences/<i+1, 5 digits>/`, its triplets `<n, 4+ digits>/`. Each image is written to a temporary name and
 * renamed; the list file is written last (also atomically), so an interrupted export has no list and no
 * trainer reads it. What a video loader drops (scene cuts, holdout frames) is reported in `export.json`.
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
    let n = 0;
    for await (const raw of dataset.rawSamples()) {
      n += 1;
      const entry = `${sequence}/${String(n).padStart(4, '0')}`;
      const dir = path.join(out, 'sequences', entry);
      await writeImage(path.join(dir, 'im1.png'), raw.frame0);
      await writeImage(path.join(dir, 'im2.png'), raw.gt);
      await writeImage(path.join(dir, 'im3.png'), raw.frame1);
      entries.push(entry);
      options.onProgress?.({source: dataset.name, written: entries.length});
    }
    const pass = dataset.lastSummary;
    summary.sources.push({name: dataset.name, sequence, triplets: n, sceneCuts: pass?.sceneCuts ?? [],
      droppedAtSceneCuts: pass?.droppedAtSceneCuts ?? 0, excluded: pass?.excluded ?? 0, skipped: pass?.skipped.length ?? 0});
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
