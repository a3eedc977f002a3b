// Vimeo-90K (Xue et al., IJCV 2019): the triplet set (training and the standard test, spec §6) and the
// septuplet set.
import path from 'node:path';
import {createDataset, type LoaderOptions, type TripletDataset} from './dataset.js';
import {readListLines, readTripletFiles, requireDirectory} from './layout.js';
import {checkEntryText, RootGuard, type ListEntryOrigin, type ListLine} from './list-entry.js';

/**
 * Which part of a list: `'train'` and `'test'` are the official lists. `'rife-train'` is the first 95% of
 * the train list and `'rife-validation'` the last 5%, as RIFE's `dataset.py` splits it (spec §3.1, A14).
 */
export type VimeoSplit = 'train' | 'test' | 'rife-train' | 'rife-validation';

/** Options of {@link openVimeoTriplet}. */
export interface VimeoTripletOptions extends LoaderOptions {
  /** Which list to read (default `'test'`). */
  split?: VimeoSplit;
  /** A list file of your own (one `00001/0001` entry per line), instead of `split`. */
  list?: string;
}

/** Options of {@link openVimeoSeptuplet}. */
export interface VimeoSeptupletOptions extends LoaderOptions {
  /** Which list to read (default `'test'`). */
  split?: VimeoSplit;
  /** A list file of your own, instead of `split`. */
  list?: string;
  /** The two input frames, as image numbers 1..7 (default `[1, 7]`). */
  ends?: readonly [number, number];
  /** The ground-truth frames, numbers strictly between the ends (default `[2, 3, 4, 5, 6]`). */
  targets?: readonly number[];
}

const TRIPLET_LAYOUT = '<root>/tri_trainlist.txt, <root>/tri_testlist.txt and <root>/sequences/<00001>/<0001>/im1.png, ' +
    'im2.png, im3.png (the vimeo_triplet folder of the Vimeo-90K download)';
const SEPTUPLET_LAYOUT = '<root>/sep_trainlist.txt, <root>/sep_testlist.txt and <root>/sequences/<00001>/<0001>/im1.png .. ' +
    'im7.png (the vimeo_septuplet folder of the Vimeo-90K download)';

/**
 * The list's entries, each checked to stay under `<root>/sequences` (no `..`, not absolute, no symlink out of
 * the root), with where it came from for the errors of later reads.
 * @throws ListEntryError naming the list file, the line and the entry.
 */
function listEntries(root: string, prefix: 'tri' | 'sep', split: VimeoSplit, list: string | undefined,
    dataset: string, layout: string): {entries: string[]; origins: ListEntryOrigin[]; guard: RootGuard} {
  const guard = new RootGuard(root);
  const checked = (listFile: string, lines: ListLine[]) => {
    const origins = lines.map(({text, line}) => ({dataset, listFile, line, entry: text}));
    for (const origin of origins) {
      checkEntryText(origin, root);
      guard.checkSync(origin, path.join(root, 'sequences', origin.entry));
    }
    return {entries: origins.map((o) => o.entry), origins, guard};
  };
  if (list !== undefined) {
    const file = path.resolve(root, list);
    return checked(file, readListLines(file, dataset, layout));
  }
  const valid: VimeoSplit[] = ['train', 'test', 'rife-train', 'rife-validation'];
  if (!valid.includes(split)) {
    throw new Error(`${dataset}: options.split: expected one of ${valid.join(', ')}, received '${String(split)}'`);
  }
  const file = path.join(root, `${prefix}_${split === 'test' ? 'test' : 'train'}list.txt`);
  const lines = readListLines(file, dataset, layout);
  // RIFE: cnt = int(len(trainlist) * 0.95); train = [:cnt], validation = [cnt:] (blank lines removed first).
  const cut = Math.floor(lines.length * 0.95);
  if (split === 'rife-train') return checked(file, lines.slice(0, cut));
  if (split === 'rife-validation') return checked(file, lines.slice(cut));
  return checked(file, lines);
}

/**
 * Open the Vimeo-90K triplet set. Each list line `00001/0001` is one sample: `im1.png` (frame0),
 * `im2.png` (gt, t = 0.5), `im3.png` (frame1) under `sequences/00001/0001/`. Blank lines are ignored.
 * Frames are 448x256.
 *
 * @param root the `vimeo_triplet` folder.
 *
 * @example
 * ```ts
 * const test = openVimeoTriplet('/data/vimeo_triplet', {split: 'test'});
 * for await (const {frame0, gt, frame1} of test) { ...; tf.dispose([frame0, gt, frame1]); }
 * ```
 */
export function openVimeoTriplet(root: string, options: VimeoTripletOptions = {}): TripletDataset {
  const split = options.split ?? 'test';
  const name = `vimeo-triplet:${options.list ?? split}`;
  requireDirectory(root, name, TRIPLET_LAYOUT);
  const {entries, origins, guard} = listEntries(root, 'tri', split, options.list, name, TRIPLET_LAYOUT);
  const sequences = path.join(root, 'sequences');
  return createDataset({
    kind: 'list',
    name,
    ids: entries,
    read: async (index) => {
      const dir = path.join(sequences, entries[index]);
      const files = {frame0: path.join(dir, 'im1.png'), gt: path.join(dir, 'im2.png'), frame1: path.join(dir, 'im3.png')};
      await guard.check(origins[index], [files.frame0, files.gt, files.frame1]);
      const raw = await readTripletFiles(files, {id: entries[index], t: 0.5});
      return {raw};
    },
  }, options);
}

/**
 * Open the Vimeo-90K septuplet set. Each list line gives `targets.length` samples, in list order and then
 * target order: frame0 = `im<ends[0]>.png`, frame1 = `im<ends[1]>.png`, gt = `im<k>.png` at
 * t = (k - ends[0]) / (ends[1] - ends[0]). With the defaults that is im1 and im7 with targets im2..im6 at
 * t = 1/6, 2/6, 3/6, 4/6, 5/6; `targets: [4]` gives the single t = 0.5 sample (im1, im4, im7).
 * Sample ids are `<entry>/im<k>`.
 *
 * @param root the `vimeo_septuplet` folder.
 */
export function openVimeoSeptuplet(root: string, options: VimeoSeptupletOptions = {}): TripletDataset {
  const split = options.split ?? 'test';
  const name = `vimeo-septuplet:${options.list ?? split}`;
  const [first, last] = options.ends ?? [1, 7];
  const targets = options.targets ?? [2, 3, 4, 5, 6];
  if (!(Number.isInteger(first) && Number.isInteger(last) && first >= 1 && last <= 7 && last - first >= 2)) {
    throw new Error(`${name}: options.ends: expected two image numbers 1 <= a < b <= 7 with a frame between, received [${first}, ${last}]`);
  }
  if (targets.length === 0 || targets.some((k) => !(Number.isInteger(k) && k > first && k < last))) {
    throw new Error(`${name}: options.targets: expected image numbers strictly between ${first} and ${last}, received [${targets}]`);
  }
  requireDirectory(root, name, SEPTUPLET_LAYOUT);
  const {entries, origins, guard} = listEntries(root, 'sep', split, options.list, name, SEPTUPLET_LAYOUT);
  const sequences = path.join(root, 'sequences');
  const ids = entries.flatMap((entry) => targets.map((k) => `${entry}/im${k}`));
  return createDataset({
    kind: 'list',
    name,
    ids,
    read: async (index) => {
      const at = Math.floor(index / targets.length);
      const k = targets[index % targets.length];
      const dir = path.join(sequences, entries[at]);
      const files = {frame0: path.join(dir, `im${first}.png`), gt: path.join(dir, `im${k}.png`), frame1: path.join(dir, `im${last}.png`)};
      await guard.check(origins[at], [files.frame0, files.gt, files.frame1]);
      const raw = await readTripletFiles(files, {id: ids[index], t: (k - first) / (last - first)});
      return {raw};
    },
  }, options);
}
