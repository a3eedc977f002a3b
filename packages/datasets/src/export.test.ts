import {afterAll, describe, expect, it} from '@jest/globals';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {exportVimeoTriplets} from './export.js';
import {main, openExportSources} from './export-cli.js';
import {readImage} from './image.js';
import {createSyntheticTriplets} from './synthetic.js';

const ffmpegOk = spawnSync('ffmpeg', ['-version']).status === 0;
const work = mkdtempSync(path.join(tmpdir(), 'daek-export-'));
afterAll(() => rmSync(work, {recursive: true, force: true}));

describe('exportVimeoTriplets', () => {
  it('writes synthetic triplets in the Vimeo layout, byte for byte, list last', async () => {
    const out = path.join(work, 'syn');
    const summary = await exportVimeoTriplets([createSyntheticTriplets({count: 2, width: 64, height: 48, seed: 5})], {out});
    expect(summary.triplets).toBe(2);
    expect(readFileSync(path.join(out, 'tri_trainlist.txt'), 'utf8')).toBe('00001/0001\n00001/0002\n');
    const again = createSyntheticTriplets({count: 2, width: 64, height: 48, seed: 5});
    const raw = await again.read(1);
    const gt = await readImage(path.join(out, 'sequences/00001/0002/im2.png'));
    expect(Buffer.from(gt.data).equals(Buffer.from(raw.gt.data))).toBe(true);
  });

  (ffmpegOk ? it : it.skip)('drops held-out frames of a video and names bad input', async () => {
    const video = path.join(work, 'clip.mkv');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=1.2',
      '-c:v', 'ffv1', video]);
    expect(made.status).toBe(0);
    const manifest = path.join(work, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({'clip.mkv': {triplets: [{source_frames: [4, 5, 6]}]}}));
    const out = path.join(work, 'video');
    const {sources} = openExportSources(['--out', out, '--holdout', manifest, '--holdout-margin', '0', `video:${video}`]);
    const summary = await exportVimeoTriplets(sources, {out});
    // 12 frames give starts 0..9; every triplet touching frames 4-6 is held out: starts 2..6 -> 5 left.
    expect(summary.triplets).toBe(5);
    expect(summary.sources[0]!.excluded).toBe(5);
    expect(await main(['export', '--out', path.join(work, 'x')])).toBe(1);
    expect(await main(['export', '--out', path.join(work, 'x'), 'nope:1'])).toBe(1);
    expect(existsSync(path.join(work, 'x', 'tri_trainlist.txt'))).toBe(false);
  });
});
