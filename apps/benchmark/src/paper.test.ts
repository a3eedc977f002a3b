// The paper's numbers are copied as data; check them against the paper's text where it is present.
import {describe, expect, it} from '@jest/globals';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {PAPER_TABLE_1, PAPER_TABLE_2, PAPER_TABLE_3} from './paper.js';
import {REPO_ROOT} from '../test/helpers.js';

const PAPER = path.resolve(REPO_ROOT, '../shared/paper/daek-paper.txt');
const present = existsSync(PAPER);
if (!present) console.warn(`[skip] paper numbers: ${PAPER} not found`);

(present ? describe : describe.skip)('paper tables copied from ../shared/paper/daek-paper.txt', () => {
  const text = present ? readFileSync(PAPER, 'utf8') : '';
  const numbers = (line: string) => (line.match(/\d+\.\d+/g) ?? []).map(Number);

  it('Table I: every row, in order', () => {
    for (const row of PAPER_TABLE_1) {
      const line = text.split('\n').find((l) => l.startsWith(`${row.method}\t`));
      expect(line).toBeDefined();
      const s = row.scores;
      expect(numbers(line!)).toEqual([
        s.vimeo.psnr, s.vimeo.ssim, s.ucf101.psnr, s.ucf101.ssim, s['snu-easy'].psnr, s['snu-easy'].ssim,
        s['snu-medium'].psnr, s['snu-medium'].ssim, s['snu-hard'].psnr, s['snu-hard'].ssim, s['snu-extreme'].psnr,
        s['snu-extreme'].ssim, row.parametersM, row.runtimeS,
      ]);
    }
  });

  it('Tables II and III', () => {
    for (const row of [...PAPER_TABLE_2, ...PAPER_TABLE_3]) {
      const line = text.split('\n').find((l) => l.startsWith(`${row.setting}\t`));
      expect(line).toBeDefined();
      expect(numbers(line!)).toEqual(row.ucf101 === undefined ? [row.vimeo] : [row.vimeo, row.ucf101]);
    }
  });
});
