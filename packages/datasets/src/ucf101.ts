// UCF101 interpolation test set of Deep Voxel Flow (Liu et al., ICCV 2017), spec §6.
import path from 'node:path';
import {createDataset, SampleError, type LoaderOptions, type TripletDataset} from './dataset.js';
import {fileExists, listSubdirectories, readTripletFiles, requireDirectory} from './layout.js';

/** Options of {@link openUcf101}. */
export interface Ucf101Options extends LoaderOptions {
  /**
   * Also read DVF's published output `frame_01_ours.png` as the sample's `reference`: `true` requires it
   * (a missing file is an error), `'if-present'` reads it where it exists, `false` (default) never reads it.
   */
  reference?: boolean | 'if-present';
}

const LAYOUT = '<root>/<id>/frame_00.png (frame0), frame_01_gt.png (gt), frame_02.png (frame1), optionally ' +
    'frame_01_ours.png (DVF\'s output): the ucf101_interp_ours folder of DVF\'s release, 379 folders';

/**
 * Open the UCF101-DVF triplets: every sub-folder of `root` is one sample (t = 0.5), in sorted order of
 * folder names (by code unit, as Python's `sorted`, which IFRNet and AMT use: `1`, `1001`, `1041`, ...).
 * Frames are 256x256.
 *
 * @param root the `ucf101_interp_ours` folder (or a sample of it).
 */
export function openUcf101(root: string, options: Ucf101Options = {}): TripletDataset {
  const name = 'ucf101-dvf';
  requireDirectory(root, name, LAYOUT);
  const reference = options.reference ?? false;
  if (reference !== true && reference !== false && reference !== 'if-present') {
    throw new Error(`${name}: options.reference: expected true, false or 'if-present', received ${JSON.stringify(reference)}`);
  }
  const ids = listSubdirectories(root);
  if (ids.length === 0) throw new Error(`${name}: no sample folders in ${root}. Expected layout: ${LAYOUT}`);
  return createDataset({
    kind: 'list',
    name,
    ids,
    read: async (index) => {
      const id = ids[index];
      const dir = path.join(root, id);
      const ours = path.join(dir, 'frame_01_ours.png');
      const withReference = reference === true || (reference === 'if-present' && await fileExists(ours));
      if (reference === true && !await fileExists(ours)) {
        throw new SampleError(`sample ${id}: image not found: ${ours} (options.reference is true)`, ours, id);
      }
      const raw = await readTripletFiles({
        frame0: path.join(dir, 'frame_00.png'), gt: path.join(dir, 'frame_01_gt.png'), frame1: path.join(dir, 'frame_02.png'),
        reference: withReference ? ours : undefined,
      }, {id, t: 0.5});
      return {raw};
    },
  }, options);
}
