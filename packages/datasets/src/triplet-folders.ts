// Folders of ready-made triplets, one folder a triplet, at any depth: e.g. the evaluation triplets cut from the
// real clips (`video-clips/triplets/<clip>/fNNNN/{frame0,gt,frame1}.png`).
import {readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {createDataset, type LoaderOptions, type TripletDataset} from './dataset.js';
import {readTripletFiles, requireDirectory} from './layout.js';

/** File names of a triplet folder's three frames. */
export interface TripletFileNames {
  /** The frame before (default `frame0.png`). */
  frame0: string;
  /** The ground-truth middle frame (default `gt.png`). */
  gt: string;
  /** The frame after (default `frame1.png`). */
  frame1: string;
}

/** Options of {@link openTripletFolders}. */
export interface TripletFoldersOptions extends LoaderOptions {
  /** The three files' names in each folder (default `frame0.png`, `gt.png`, `frame1.png`). */
  files?: Partial<TripletFileNames>;
  /** How deep below `root` triplet folders are looked for (default 4). */
  maxDepth?: number;
}

const DEFAULT_FILES: TripletFileNames = {frame0: 'frame0.png', gt: 'gt.png', frame1: 'frame1.png'};

/** Folders below `dir` (relative, `/`-separated, sorted) that hold `marker`. */
function findFolders(root: string, marker: string, maxDepth: number): string[] {
  const found: string[] = [];
  const visit = (relative: string, depth: number) => {
    const dir = path.join(root, relative);
    const entries = readdirSync(dir, {withFileTypes: true});
    if (relative && entries.some((e) => e.name === marker && (e.isFile() || (e.isSymbolicLink() && statSync(path.join(dir, e.name)).isFile())))) {
      found.push(relative.split(path.sep).join('/'));
      return;
    }
    if (depth >= maxDepth) return;
    for (const e of entries.filter((x) => x.isDirectory()).map((x) => x.name).sort()) visit(path.join(relative, e), depth + 1);
  };
  visit('', 0);
  return found;
}

/**
 * Open every folder below `root` that holds a triplet (`frame0.png`, `gt.png`, `frame1.png` by default) as one
 * sample (t = 0.5), in sorted path order; the sample id is the folder's path relative to `root`
 * (`cockatoo/f0021`). A folder with the first file but not the others is an error when read, naming the file.
 *
 * @param root the folder to search, e.g. `../shared/data/video-clips/triplets`.
 */
export function openTripletFolders(root: string, options: TripletFoldersOptions = {}): TripletDataset {
  const name = 'triplet-folders';
  const files = {...DEFAULT_FILES, ...options.files};
  const layout = `<root>/<any path>/${files.frame0}, ${files.gt}, ${files.frame1} (one folder a triplet)`;
  requireDirectory(root, name, layout);
  const maxDepth = options.maxDepth ?? 4;
  if (!(Number.isInteger(maxDepth) && maxDepth >= 1)) {
    throw new Error(`${name}: options.maxDepth: expected an integer >= 1, received ${JSON.stringify(options.maxDepth)}`);
  }
  const ids = findFolders(root, files.frame0, maxDepth);
  if (ids.length === 0) throw new Error(`${name}: no folder with ${files.frame0} below ${root}. Expected layout: ${layout}`);
  return createDataset({
    kind: 'list',
    name,
    ids,
    read: async (index) => {
      const id = ids[index]!;
      const dir = path.join(root, ...id.split('/'));
      const raw = await readTripletFiles({
        frame0: path.join(dir, files.frame0), gt: path.join(dir, files.gt), frame1: path.join(dir, files.frame1),
      }, {id, t: 0.5});
      return {raw};
    },
  }, options);
}
