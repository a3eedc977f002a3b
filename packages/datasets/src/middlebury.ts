// Middlebury optical-flow "Other" set with interpolation ground truth (Baker et al., IJCV 2011).
import {existsSync} from 'node:fs';
import path from 'node:path';
import {createDataset, type LoaderOptions, type TripletDataset} from './dataset.js';
import {listSubdirectories, readTripletFiles, requireDirectory} from './layout.js';

/**
 * `'official'`: the Middlebury download, `other-data/<Seq>/frame10.png, frame11.png` and
 * `other-gt-interp/<Seq>/frame10i11.png`. `'flat'`: `<Seq>/frame10.png, frame10i11.png, frame11.png`.
 * `'auto'` (default): official when `other-gt-interp` exists, else flat.
 */
export type MiddleburyLayout = 'auto' | 'official' | 'flat';

/** Options of {@link openMiddlebury}. */
export interface MiddleburyOptions extends LoaderOptions {
  /** Folder layout (default `'auto'`). */
  layout?: MiddleburyLayout;
}

const LAYOUT = 'either the official download, <root>/other-data/<Seq>/frame10.png, frame11.png and ' +
    '<root>/other-gt-interp/<Seq>/frame10i11.png, or the flat <root>/<Seq>/frame10.png, frame10i11.png, frame11.png';

/**
 * Open Middlebury "Other" (12 sequences with interpolation ground truth). Each sequence is one sample:
 * frame10 (frame0), frame10i11 (gt, t = 0.5), frame11 (frame1); ids are the sequence names in sorted
 * order. In the official layout the sequences are those of `other-gt-interp` (the ones with ground truth).
 * Frame sizes differ between sequences (584x388 to 640x480), so batch them one at a time.
 *
 * @param root the folder holding `other-data` and `other-gt-interp`, or the sequence folders.
 */
export function openMiddlebury(root: string, options: MiddleburyOptions = {}): TripletDataset {
  const name = 'middlebury-other';
  requireDirectory(root, name, LAYOUT);
  let layout = options.layout ?? 'auto';
  if (!['auto', 'official', 'flat'].includes(layout)) {
    throw new Error(`${name}: options.layout: expected 'auto', 'official' or 'flat', received '${String(layout)}'`);
  }
  const gtRoot = path.join(root, 'other-gt-interp');
  const dataRoot = path.join(root, 'other-data');
  if (layout === 'auto') layout = existsSync(gtRoot) ? 'official' : 'flat';
  let ids: string[];
  if (layout === 'official') {
    requireDirectory(gtRoot, name, LAYOUT);
    requireDirectory(dataRoot, name, LAYOUT);
    ids = listSubdirectories(gtRoot);
  } else {
    // A folder holding any of the three files is a sequence; a missing one is then an error naming it.
    ids = listSubdirectories(root).filter((seq) =>
      ['frame10.png', 'frame10i11.png', 'frame11.png'].some((f) => existsSync(path.join(root, seq, f))));
  }
  if (ids.length === 0) throw new Error(`${name}: no sequences with interpolation ground truth under ${root}. Expected ${LAYOUT}`);
  return createDataset({
    kind: 'list',
    name: `${name}:${layout}`,
    ids,
    read: async (index) => {
      const seq = ids[index];
      const paths = layout === 'official'
        ? {frame0: path.join(dataRoot, seq, 'frame10.png'), gt: path.join(gtRoot, seq, 'frame10i11.png'),
          frame1: path.join(dataRoot, seq, 'frame11.png')}
        : {frame0: path.join(root, seq, 'frame10.png'), gt: path.join(root, seq, 'frame10i11.png'),
          frame1: path.join(root, seq, 'frame11.png')};
      return {raw: await readTripletFiles(paths, {id: seq, t: 0.5})};
    },
  }, options);
}
