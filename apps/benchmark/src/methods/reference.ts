// A method whose "output" is another method's published frames (for example DVF's frame_01_ours.png in the
// UCF101 set), scored by exactly the same code as every other method.
import {existsSync} from 'node:fs';
import path from 'node:path';
import {readImage, type RawTriplet} from '@daek/datasets';
import type {Prediction} from '../metrics.js';
import type {Method, MethodInfo} from './method.js';

/** The default file pattern: DVF's published output inside each UCF101-DVF triplet folder. */
export const DEFAULT_REFERENCE_PATTERN = '{id}/frame_01_ours.png';

/** Options of {@link createReference}. */
export interface ReferenceOptions {
  /** The folder holding the published frames. */
  folder: string;
  /** Path of a triplet's frame under `folder`, with `{id}` for the triplet id (default {@link DEFAULT_REFERENCE_PATTERN}). */
  pattern?: string;
  /** Row label (default `reference (<pattern>)`). */
  label?: string;
}

/** A reference method: reads published frames; also lists the frames missing for a set of triplet ids. */
export interface ReferenceMethod extends Method {
  /** The frame file of triplet `id`. */
  fileFor(id: string): string;
  /** The frame files that do not exist for `ids`. */
  missing(ids: readonly string[]): string[];
}

/**
 * A method that returns published output frames, read from `<folder>/<pattern with {id}>` as 8-bit RGB.
 * 8-bit frames need no rounding, so their float PSNR equals their uint8 PSNR.
 *
 * @throws Error (from `predict`) naming the file when a frame is missing or has another size than the triplet.
 */
export function createReference(options: ReferenceOptions): ReferenceMethod {
  const folder = path.resolve(options.folder);
  const pattern = options.pattern ?? DEFAULT_REFERENCE_PATTERN;
  if (!pattern.includes('{id}')) {
    throw new Error(`reference: the file pattern must contain {id} (the triplet id), e.g. ${DEFAULT_REFERENCE_PATTERN}; got '${pattern}'`);
  }
  if (!existsSync(folder)) throw new Error(`reference: folder not found: ${folder} (the folder of published output frames)`);
  const fileFor = (id: string) => path.join(folder, pattern.replaceAll('{id}', id));
  const info: MethodInfo = {
    name: options.label ?? `reference (${path.basename(pattern)})`,
    kind: 'reference',
    source: path.join(folder, pattern),
    notes: ['published 8-bit frames, scored as they are (no rounding needed)'],
  };
  return {
    name: info.name,
    describe: () => info,
    prepare: async () => undefined,
    fileFor,
    missing: (ids) => ids.map(fileFor).filter((file) => !existsSync(file)),
    predict: async (triplet: RawTriplet): Promise<Prediction> => {
      const file = fileFor(triplet.id);
      if (!existsSync(file)) throw new Error(`reference: no published frame for triplet ${triplet.id}: ${file} not found`);
      const image = await readImage(file);
      if (image.width !== triplet.gt.width || image.height !== triplet.gt.height) {
        throw new Error(`reference: ${file} is ${image.width}x${image.height} but triplet ${triplet.id} is ` +
            `${triplet.gt.width}x${triplet.gt.height}`);
      }
      return image;
    },
    dispose: () => undefined,
  };
}
