// The root README's first example, run as the README says (issue 13 item 12): it reads the two example frames,
// interpolates with the default model and writes the middle frame, which must be closer to the real middle frame
// than the average of the two inputs is.
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import {afterAll, expect, it} from '@jest/globals';
import {ROOT} from './markdown.js';

const COMMAND = 'npx tsx --conditions=@daek/source examples/hello-world.ts';
const out = mkdtempSync(path.join(os.tmpdir(), 'daek-hello-'));
afterAll(() => rmSync(out, {recursive: true, force: true}));

async function rgb(file: string): Promise<{data: Buffer; width: number; height: number}> {
  const {data, info} = await sharp(file).removeAlpha().raw().toBuffer({resolveWithObject: true});
  return {data, width: info.width, height: info.height};
}

function psnr(a: Uint8Array | number[], b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return 10 * Math.log10(255 ** 2 / (sum / b.length));
}

it('the README says how to run it', () => {
  expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain(COMMAND);
});

it('writes a middle frame better than frame averaging', async () => {
  const target = path.join(out, 'middle.png');
  const [cmd, ...args] = COMMAND.split(' ');
  const run = spawnSync(cmd!, [...args, 'examples/frames/frame0.png', 'examples/frames/frame1.png', target],
    {cwd: ROOT, encoding: 'utf8', timeout: 110000});
  expect(run.stderr.split('\n').filter((l) => /error/i.test(l) && !/npm warn/i.test(l))).toEqual([]);
  expect(run.status).toBe(0);
  expect(run.stdout).toContain(`daek-s on wasm: wrote ${target} (448x256)`);

  const [middle, truth, f0, f1] = await Promise.all(
    [target, 'examples/frames/truth.png', 'examples/frames/frame0.png', 'examples/frames/frame1.png']
      .map((f) => rgb(path.resolve(ROOT, f))));
  expect([middle.width, middle.height]).toEqual([448, 256]);
  // Exact integer average, rounding halves up (either rounding gives the same PSNR to 0.01 dB here).
  const average = Array.from(f0.data, (v, i) => (v + f1.data[i]! + 1) >> 1);
  const model = psnr(middle.data, truth.data);
  const baseline = psnr(average, truth.data);
  // Measured: daek-s 27.15 dB with the default flow search refinement (27.12 with part 8's one-pass search, 26.34
  // without it; 11,670 fine-tune steps; 25.94 at step 4,000, 25.13 before the fine-tune), frame averaging 23.10 dB.
  expect(baseline).toBeCloseTo(23.1, 1);
  expect(model).toBeGreaterThan(baseline + 1);
});
