// Frame averaging on the real Middlebury Other set, scored by daek-bench, against a computation written here
// from scratch: PNGs decoded with sharp directly, the exact average in integers rounded half to even, IE and
// PSNR summed by hand. Skips with a message when ../shared/data is absent.
import {describe, expect, it} from '@jest/globals';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import {parseCommandLine} from './args.js';
import {runBench} from './run.js';
import {removeFolder, SHARED_DATA, temporaryFolder} from '../test/helpers.js';

const MIDDLEBURY = path.join(SHARED_DATA, 'middlebury-other');
const present = existsSync(MIDDLEBURY);
if (!present) console.warn(`[skip] Middlebury frame-averaging check: ${MIDDLEBURY} not found (set DAEK_SHARED_DATA to the shared data folder)`);

async function rgb(file: string): Promise<{data: Uint8Array; width: number; height: number}> {
  const {data, info} = await sharp(readFileSync(file)).removeAlpha().raw().toBuffer({resolveWithObject: true});
  expect(info.channels).toBe(3);
  return {data: new Uint8Array(data), width: info.width, height: info.height};
}

/** IE and PSNR of frame averaging on one sequence, by direct computation. */
async function direct(seq: string): Promise<{ie: number; psnr: number}> {
  const [a, gt, b] = await Promise.all(['frame10.png', 'frame10i11.png', 'frame11.png'].map((f) => rgb(path.join(MIDDLEBURY, seq, f))));
  const n = gt.data.length;
  // the exact average in integers, halves to even, by cases (not the method's code path)
  let abs = 0, sq = 0;
  const {floor} = Math; // a global lookup per iteration is slow inside jest's vm context
  for (let i = 0; i < n; i++) {
    const sum = a.data[i] + b.data[i];
    const below = floor(sum / 2);
    const q = sum % 2 === 0 ? sum / 2 : below % 2 === 0 ? below : below + 1;
    const d = q - gt.data[i];
    abs += d < 0 ? -d : d;
    sq += d * d;
  }
  return {ie: abs / n, psnr: 10 * Math.log10((255 * 255) / (sq / n))};
}

(present ? describe : describe.skip)('frame averaging on ../shared/data/middlebury-other', () => {
  it('gives the IE and PSNR of a direct computation from the raw PNGs', async () => {
    const out = temporaryFolder();
    try {
      const parsed = parseCommandLine(['middlebury', '--middlebury', MIDDLEBURY, '--method', 'average', '--out', out, '--quiet']);
      if (parsed.help) throw new Error('unexpected --help');
      const report = await runBench(parsed.options);
      const result = (report.json.methods as {results: {count: number; means: {ie: number; psnr: number}}[]}[])[0].results[0];
      const sequences = ['Beanbags', 'Dimetrodon', 'DogDance', 'Grove2', 'Grove3', 'Hydrangea', 'MiniCooper', 'RubberWhale',
        'Urban2', 'Urban3', 'Venus', 'Walking'];
      const each = await Promise.all(sequences.map(direct));
      const ie = each.reduce((s, x) => s + x.ie, 0) / each.length;
      const psnr = each.reduce((s, x) => s + x.psnr, 0) / each.length;
      expect(result.count).toBe(12);
      expect(Math.abs(result.means.ie - ie)).toBeLessThan(1e-9);
      expect(Math.abs(result.means.psnr - psnr)).toBeLessThan(1e-9);
      // the report prints the same numbers, says it is the full set, and names the data path
      expect(report.markdown).toContain(`| frame average | ${ie.toFixed(3)} |`);
      expect(report.markdown).toContain('12 of 12 triplets (full set)');
      expect(report.markdown).toContain(`data ${MIDDLEBURY}`);
      console.log(`[measured] Middlebury Other, frame averaging: IE ${ie.toFixed(3)}, PSNR ${psnr.toFixed(3)} dB (12 sequences)`);
    } finally {
      removeFolder(out);
    }
  });
});
