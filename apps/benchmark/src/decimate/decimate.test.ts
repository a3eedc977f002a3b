// daek-bench decimate on a clip the test makes with ffmpeg (lossless ffv1, so the decoded frames are the bytes
// written): the dropped frames are the odd ones, a triplet across the hard cut is left out, frame averaging
// scores as an independent computation says, crops of the worst frames are written, and errors are named.
// Skips with a message when ffmpeg is not on PATH.
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import {lockFolder} from '@daek/cli-support';
import {fakeModels, removeFolder, temporaryFolder} from '../../test/helpers.js';
import {main} from '../cli.js';
import {parseDecimateArgs} from './args.js';
import {runDecimate, type DecimateOptions} from './run.js';
import {cropImage, sideBySide, worstWindow} from './crops.js';

const present = spawnSync('ffmpeg', ['-hide_banner', '-version']).status === 0;
if (!present) console.warn('[skip] decimate tests: ffmpeg not found on PATH (apt-get install ffmpeg)');

const W = 96, H = 64, N = 9, CUT = 5;

/** Frame i: a dark gradient moving 2 px per frame before the cut, a bright one moving the other way after. */
function frame(i: number): Uint8Array {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      if (i < CUT) {
        const u = x + 2 * i;
        data[o] = (u * 3) & 127;
        data[o + 1] = (y * 2 + u) & 127;
        data[o + 2] = ((u * y) >> 3) & 63;
      } else {
        const u = x - 3 * i;
        data[o] = 160 + ((u * 5) & 95);
        data[o + 1] = 200 + (y & 55);
        data[o + 2] = 128 + ((u + y) & 127);
      }
    }
  }
  return data;
}

let root: string;
let clip: string;
beforeAll(() => {
  root = temporaryFolder();
  clip = path.join(root, 'clip.mkv');
  if (!present) return;
  const raw = Buffer.concat(Array.from({length: N}, (_, i) => frame(i)));
  const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-r', '25', '-i', 'pipe:0',
    '-c:v', 'ffv1', '-pix_fmt', 'bgr0', clip], {input: raw});
  expect(made.status).toBe(0);
});
afterAll(() => removeFolder(root));

function options(extra: Partial<DecimateOptions> = {}): DecimateOptions {
  const parsed = parseDecimateArgs([clip, '--quiet', '--out', path.join(root, 'out')]);
  if (parsed === null) throw new Error('unexpected --help');
  return {...parsed, ...extra};
}

/** Frame averaging by cases (halves to even), PSNR and IE of frame 2k+1 from frames 2k and 2k+2. */
function averageScores(k: number): {psnr: number; ie: number} {
  const a = frame(2 * k), gt = frame(2 * k + 1), b = frame(2 * k + 2);
  let abs = 0, sq = 0;
  for (let i = 0; i < gt.length; i++) {
    const sum = a[i] + b[i];
    const below = Math.floor(sum / 2);
    const q = sum % 2 === 0 ? sum / 2 : below % 2 === 0 ? below : below + 1;
    abs += Math.abs(q - gt[i]);
    sq += (q - gt[i]) ** 2;
  }
  return {psnr: 10 * Math.log10(65025 / (sq / gt.length)), ie: abs / gt.length};
}

describe('decimate flags', () => {
  it('parses the options and names bad ones', () => {
    const o = parseDecimateArgs(['clip.mp4', '--limit', '5', '--crops', '0', '--scene-threshold', 'off']);
    expect(o).toMatchObject({file: 'clip.mp4', limit: 5, crops: 0, sceneThreshold: false, first: 0, cropSize: 256,
      methods: ['default', 'average', 'minterpolate'], explicitMethods: false});
    expect(o?.out).toBe(path.resolve('daek-bench-results/decimate/clip'));
    expect(parseDecimateArgs(['--help'])).toBeNull();
    expect(() => parseDecimateArgs([])).toThrow('decimate: give exactly one video file, got none');
    expect(() => parseDecimateArgs(['a.mp4', '--limit', '0'])).toThrow("--limit: expected an integer >= 1, got '0'");
    expect(() => parseDecimateArgs(['a.mp4', '--method', 'reference=/x'])).toThrow('decimate has no published frames');
    expect(() => parseDecimateArgs(['a.mp4', '--scene-threshold', 'x'])).toThrow("--scene-threshold: expected a positive number or 'off'");
  });

  it('crops the window of largest error and lays crops side by side', () => {
    const gt = {data: new Uint8Array(8 * 6 * 3), width: 8, height: 6};
    const pred = new Uint8Array(gt.data.length);
    pred[(5 * 8 + 7) * 3] = 200; // error in the bottom-right pixel only
    expect(worstWindow(gt, pred, 4)).toEqual({x: 4, y: 2, width: 4, height: 4});
    const strip = sideBySide([cropImage(gt, {x: 0, y: 0, width: 2, height: 2}), cropImage({...gt, data: pred}, {x: 6, y: 4, width: 2, height: 2})], 1);
    expect([strip.width, strip.height]).toEqual([5, 2]);
    expect(Array.from(strip.data.subarray(6, 9))).toEqual([255, 255, 255]); // the gap
    expect(strip.data[(1 * 5 + 4) * 3]).toBe(200);
  });
});

(present ? describe : describe.skip)('decimate on a generated clip', () => {
  it('scores the odd frames, leaves out the one across the cut, and matches a direct computation', async () => {
    const {models} = fakeModels();
    const report = await runDecimate(options({methods: ['average', 'minterpolate', 'daek'], explicitMethods: true, models, crops: 1,
      cropSize: 48}));
    const average = report.rows.filter((r) => r.method === 'frame average');
    expect(average.map((r) => r.frame)).toEqual([1, 3, 7]);
    for (const row of average) {
      const direct = averageScores((row.frame - 1) / 2);
      expect(row.psnr).toBeCloseTo(direct.psnr, 9);
      expect(row.ie).toBeCloseTo(direct.ie, 12);
    }
    expect(report.rows.filter((r) => r.method === 'minterpolate')).toHaveLength(3);
    expect(report.rows.filter((r) => r.method === 'daek')).toHaveLength(3);
    expect(report.markdown).toContain('Scene cuts at frame 5: 1 dropped frame(s)');
    expect(report.markdown).toMatch(/\| frame average \| 3 \| \d+\.\d\d \| 0\.\d{4} \| \d+\.\d{3} \| \d+\.\d\d \(\d\) \|/);
    // one crop per method: frame0, original, 3 outputs, frame1, 48 px each, 4 px apart
    expect(report.files.crops).toHaveLength(3);
    for (const file of report.files.crops) {
      const meta = await sharp(readFileSync(file)).metadata();
      expect([meta.width, meta.height]).toEqual([6 * 48 + 5 * 4, 48]);
    }
    const csv = readFileSync(report.files.csv, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('frame,method,psnr,psnr_float,ssim,ie,ms');
    expect(csv).toHaveLength(1 + 9);
    expect(JSON.parse(readFileSync(report.files.json, 'utf8')).sceneCuts).toEqual([5]);
  });

  it('--sample spreads the dropped frames over the clip', async () => {
    const report = await runDecimate(options({methods: ['average'], sample: 2, crops: 0, out: path.join(root, 'sample')}));
    // starts 0 and 4: frame 1, and frame 5, whose neighbours straddle the cut
    expect(report.rows.map((r) => r.frame)).toEqual([1]);
    expect(report.markdown).toContain('scored against the original: 1 frame (--sample 2: one in every 4 frames from frame 1)');
    expect(report.files.crops).toEqual([]);
  });

  it('names a missing file, a file that is not a video, and a missing ffmpeg (exit status 2)', async () => {
    await expect(runDecimate(options({file: path.join(root, 'nope.mp4')}))).rejects.toThrow(`video file not found: ${path.join(root, 'nope.mp4')}`);
    const text = path.join(root, 'notes.mp4');
    writeFileSync(text, 'not a video');
    await expect(runDecimate(options({file: text, methods: ['average']}))).rejects.toThrow(/failed to decode .*notes\.mp4/);
    const saved = process.env.DAEK_FFMPEG;
    process.env.DAEK_FFMPEG = '/nonexistent/ffmpeg';
    try {
      await expect(runDecimate(options({methods: ['average']}))).rejects.toThrow(/ffmpeg not found .*daek-bench decimate needs it\. Install ffmpeg/);
    } finally {
      if (saved === undefined) delete process.env.DAEK_FFMPEG;
      else process.env.DAEK_FFMPEG = saved;
    }
    const write = process.stderr.write;
    process.stderr.write = () => true;
    try {
      expect(await main(['decimate', path.join(root, 'nope.mp4'), '--quiet', '--out', path.join(root, 'nope-out')])).toBe(2);
      expect(existsSync(path.join(root, 'nope-out'))).toBe(false);
      expect(await main(['decimate', '--limit', 'x'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    // a second writer of the same output folder is refused, naming the holder
    const out = path.join(root, 'held');
    const lock = await lockFolder(out, {command: 'another daek-bench'});
    try {
      await expect(runDecimate(options({methods: ['average'], out}))).rejects.toThrow(/in use by another process: pid \d+.*another daek-bench/);
    } finally {
      lock.release();
    }
  });
});
