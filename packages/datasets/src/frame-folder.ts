// Triplets from a folder of numbered frames (frames extracted from a video, a rendered sequence, ...).
import {readdirSync} from 'node:fs';
import path from 'node:path';
import {createDataset, SampleError, type LoaderOptions, type TripletDataset} from './dataset.js';
import {resolveSchedule, type FrameScheduleOptions} from './frame-schedule.js';
import {readTripletFiles, requireDirectory} from './layout.js';
import {frameSignature, resolveSceneCut, signatureDistance, type SceneCutOptions} from './scene-cut.js';

/** Options of {@link openFrameFolder}. */
export interface FrameFolderOptions extends LoaderOptions, FrameScheduleOptions {
  /** File extensions that are frames, lower case with the dot (default `['.png', '.jpg', '.jpeg']`). */
  extensions?: readonly string[];
  /**
   * Scene-cut detection between frame0 and gt and between gt and frame1 (default on, threshold 0.3);
   * `false` turns it off. With `gap > 1` the frames in between are not read, so only cuts between the
   * triplet's own frames are seen.
   */
  sceneCut?: SceneCutOptions | false;
}

const LAYOUT = 'one folder of image files whose names carry the frame number, for example 000001.png, 000002.png, ...';

/**
 * Open a folder of numbered frames. The frame number of a file is the last run of digits in its name
 * (`frame_0012.png` is 12); frame numbers must be unique. A triplet is frames (s, s + gap, s + 2 gap)
 * with t = 0.5 and id `<folder name>/f<gt number, 4 digits>`; by default every s from the smallest number
 * (see {@link FrameScheduleOptions}). Triplets touching `exclude` ranges are removed up front (so `length`
 * is exact for them); a triplet whose frame number has no file is an error naming the folder and number.
 * Files with other extensions are ignored; a frame file without digits in its name is an error.
 *
 * @param dir the folder.
 */
export function openFrameFolder(dir: string, options: FrameFolderOptions = {}): TripletDataset {
  const name = `frames:${path.basename(path.resolve(String(dir)))}`;
  requireDirectory(dir, name, LAYOUT);
  const extensions = (options.extensions ?? ['.png', '.jpg', '.jpeg']).map((e) => e.toLowerCase());
  const files = new Map<number, string>();
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    if (!entry.isFile() || !extensions.includes(path.extname(entry.name).toLowerCase())) continue;
    const digits = /(\d+)(?!.*\d)/.exec(path.basename(entry.name, path.extname(entry.name)));
    if (!digits) {
      throw new Error(`${name}: frame file without a number in its name: ${path.join(dir, entry.name)}; ` +
          'rename or remove it, or narrow options.extensions');
    }
    const number = Number(digits[1]);
    const clash = files.get(number);
    if (clash !== undefined) {
      throw new Error(`${name}: two files have frame number ${number}: ${path.join(dir, clash)} and ${path.join(dir, entry.name)}`);
    }
    files.set(number, entry.name);
  }
  if (files.size === 0) throw new Error(`${name}: no frames (${extensions.join(', ')}) in ${dir}. Expected ${LAYOUT}`);
  const numbers = [...files.keys()].sort((a, b) => a - b);
  const firstNumber = numbers[0];
  const lastNumber = numbers[numbers.length - 1];
  const schedule = resolveSchedule(options, firstNumber, name);
  const threshold = resolveSceneCut(options.sceneCut, name);
  const {gap} = schedule;
  const starts: number[] = [];
  let excluded = 0;
  // Every start the schedule asks for, whether or not its files exist: a missing frame is then an error
  // naming it, never a triplet silently absent.
  const candidates: number[] = [];
  if (options.starts !== undefined) candidates.push(...new Set(options.starts));
  else for (let s = options.first ?? firstNumber; s + 2 * gap <= lastNumber; s++) if (schedule.isStart(s)) candidates.push(s);
  candidates.sort((a, b) => a - b);
  for (const s of candidates) {
    if (schedule.isExcluded(s)) excluded++;
    else starts.push(s);
  }
  const folder = path.basename(path.resolve(dir));
  const ids = starts.map((s) => `${folder}/f${String(s + gap).padStart(4, '0')}`);
  const pathOf = (n: number, id: string) => {
    const file = files.get(n);
    if (file === undefined) {
      throw new SampleError(`sample ${id}: frame ${n} is missing from ${dir} (frames found: ${numbers.length} numbered ` +
          `${firstNumber}..${lastNumber})`, dir, id);
    }
    return path.join(dir, file);
  };
  return createDataset({
    kind: 'list',
    name,
    ids,
    excluded,
    read: async (index) => {
      const s = starts[index];
      const id = ids[index];
      const frames = [s, s + gap, s + 2 * gap] as const;
      const raw = await readTripletFiles({frame0: pathOf(s, id), gt: pathOf(s + gap, id), frame1: pathOf(s + 2 * gap, id)},
          {id, t: 0.5, frames});
      const sceneCuts: number[] = [];
      if (threshold !== null) {
        const [a, b, c] = [raw.frame0, raw.gt, raw.frame1].map(frameSignature);
        if (signatureDistance(a, b) > threshold) sceneCuts.push(s + gap);
        if (signatureDistance(b, c) > threshold) sceneCuts.push(s + 2 * gap);
      }
      return {raw, sceneCuts};
    },
  }, options);
}
