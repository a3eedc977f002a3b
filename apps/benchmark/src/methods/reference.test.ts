// DVF's published outputs (frame_01_ours.png) in ../shared/data/ucf101-dvf-sample, scored as a method like
// any other: same loop, same metrics, same CSV and protocol. Skips with a message when the data is absent.
import {describe, expect, it} from '@jest/globals';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import {parseCommandLine} from '../args.js';
import {runBench} from '../run.js';
import {readTripletCsv} from '../triplet_log.js';
import {createReference} from './reference.js';
import {patternImage, removeFolder, SHARED_DATA, temporaryFolder, writePng} from '../../test/helpers.js';

const UCF = path.join(SHARED_DATA, 'ucf101-dvf-sample');
const present = existsSync(UCF);
if (!present) console.warn(`[skip] DVF reference scoring: ${UCF} not found (set DAEK_SHARED_DATA to the shared data folder)`);

async function bytes(file: string): Promise<Uint8Array> {
  return new Uint8Array(await sharp(readFileSync(file)).removeAlpha().raw().toBuffer());
}

(present ? describe : describe.skip)('DVF reference frames on ../shared/data/ucf101-dvf-sample', () => {
  it('are scored by the same loop and metrics as frame averaging, and beat it', async () => {
    const out = temporaryFolder();
    try {
      const parsed = parseCommandLine(['table1', '--ucf101', UCF, '--method', `reference=${UCF}`, '--method', 'average',
        '--limit', '12', '--runs', '0', '--quiet', '--out', out]);
      if (parsed.help) throw new Error('unexpected --help');
      const report = await runBench(parsed.options);
      const rows = readTripletCsv(path.join(out, 'triplets.csv'));
      const dvf = rows.filter((r) => r.method === 'reference (frame_01_ours.png)');
      const average = rows.filter((r) => r.method === 'frame average');
      expect(dvf).toHaveLength(12);
      expect(average.map((r) => r.id)).toEqual(dvf.map((r) => r.id));
      // PSNR of each DVF frame, computed here from the PNG bytes
      for (const row of dvf.slice(0, 4)) {
        const [gt, ours] = await Promise.all([bytes(path.join(UCF, row.id, 'frame_01_gt.png')), bytes(path.join(UCF, row.id, 'frame_01_ours.png'))]);
        let sq = 0;
        for (let i = 0; i < gt.length; i++) sq += (gt[i] - ours[i]) ** 2;
        expect(row.psnr).toBeCloseTo(10 * Math.log10(65025 / (sq / gt.length)), 9);
        expect(row.psnrFloat).toBe(row.psnr); // 8-bit frames: nothing to round
      }
      const mean = (list: typeof rows) => list.reduce((s, r) => s + r.psnr, 0) / list.length;
      expect(mean(dvf)).toBeGreaterThan(mean(average) + 1); // 29.57 vs 27.98 dB on these 12 (34.35 vs 33.46 on all 100)
      expect(report.markdown).toMatch(/\| reference \(frame_01_ours\.png\) \| \d\d\.\d\d\/0\.9\d{3} \| — \|/);
      expect(report.markdown).toContain('12 of 379 triplets (subset: --limit 12 of the 100 in the folder');
      expect(report.markdown).toContain(`published frames ${path.join(UCF, '{id}/frame_01_ours.png')}`);
      console.log(`[measured] UCF101-DVF sample, first 12 triplets: DVF frames ${mean(dvf).toFixed(2)} dB, ` +
          `frame averaging ${mean(average).toFixed(2)} dB`);
    } finally {
      removeFolder(out);
    }
  });
});

describe('reference method', () => {
  it('reads <folder>/<pattern with {id}> and names a missing or mis-sized frame', async () => {
    const dir = temporaryFolder();
    try {
      await writePng(path.join(dir, 'a', 'out.png'), patternImage(4, 3, 1));
      const method = createReference({folder: dir, pattern: '{id}/out.png', label: 'mine'});
      const triplet = {frame0: patternImage(4, 3, 2), gt: patternImage(4, 3, 3), frame1: patternImage(4, 3, 4), t: 0.5};
      const out = await method.predict({...triplet, id: 'a'});
      expect(Array.from(out.data)).toEqual(Array.from(patternImage(4, 3, 1).data));
      expect(method.missing(['a', 'b'])).toEqual([path.join(dir, 'b', 'out.png')]);
      await expect(method.predict({...triplet, id: 'b'})).rejects.toThrow(`no published frame for triplet b: ${path.join(dir, 'b', 'out.png')} not found`);
      await expect(method.predict({...triplet, gt: patternImage(5, 3, 3), id: 'a'})).rejects.toThrow(/is 4x3 but triplet a is 5x3/);
      expect(() => createReference({folder: dir, pattern: 'out.png'})).toThrow(/must contain \{id\}/);
      expect(() => createReference({folder: path.join(dir, 'none')})).toThrow(/folder not found/);
    } finally {
      removeFolder(dir);
    }
  });
});
