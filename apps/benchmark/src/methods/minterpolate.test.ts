// ffmpeg's minterpolate through the benchmark's lossless pipe: blend mode gives (a + b + 1) >> 1 on every byte
// (so no colour matrix or range conversion touches the pixels), mci mode runs on odd sizes, and a missing ffmpeg
// gets a clear message. Skips with a message when ffmpeg is not on PATH.
import {afterEach, describe, expect, it} from '@jest/globals';
import {spawnSync} from 'node:child_process';
import {patternImage} from '../../test/helpers.js';
import {createMinterpolate, fromPlanes, minterpolateMiddle, toPlanes} from './minterpolate.js';
import {parseMethodSpec} from './parse.js';

const present = spawnSync('ffmpeg', ['-hide_banner', '-version']).status === 0;
if (!present) console.warn('[skip] minterpolate tests: ffmpeg not found on PATH (apt-get install ffmpeg)');

describe('minterpolate plumbing', () => {
  it('planes round-trip the RGB bytes exactly (G, B, R order)', () => {
    const image = patternImage(7, 5, 3);
    const planes = toPlanes(image);
    expect(planes[0]).toBe(image.data[1]);
    expect(planes[35]).toBe(image.data[2]);
    expect(planes[70]).toBe(image.data[0]);
    expect(fromPlanes(planes, 7, 5)).toEqual(image.data);
  });

  it('parses minterpolate[=OPTIONS] and refuses fps and malformed options', () => {
    expect(parseMethodSpec('minterpolate')).toEqual({kind: 'minterpolate', path: undefined, text: 'minterpolate'});
    expect(parseMethodSpec('minterpolate=mi_mode=blend').path).toBe('mi_mode=blend');
    expect(() => parseMethodSpec('minterpolate:x')).toThrow(/takes no preset/);
    expect(() => createMinterpolate({filterOptions: 'fps=60'})).toThrow(/fps is set by the benchmark/);
    expect(() => createMinterpolate({filterOptions: 'mi_mode'})).toThrow(/expected key=value options/);
    expect(createMinterpolate().describe().source).toBe('ffmpeg minterpolate=mi_mode=mci:mc_mode=aobmc:me_mode=bidir:vsbmc=1:scd=none');
    expect(createMinterpolate({filterOptions: 'mi_mode=blend'}).name).toBe('minterpolate (mi_mode=blend:scd=none)');
  });

  describe('without ffmpeg', () => {
    const saved = process.env.DAEK_FFMPEG;
    afterEach(() => {
      if (saved === undefined) delete process.env.DAEK_FFMPEG;
      else process.env.DAEK_FFMPEG = saved;
    });
    it('says ffmpeg is missing and how to install it', async () => {
      process.env.DAEK_FFMPEG = '/nonexistent/ffmpeg';
      await expect(createMinterpolate().prepare()).rejects.toThrow(
          /ffmpeg not found \(tried '\/nonexistent\/ffmpeg' on PATH\); the minterpolate method needs it\. Install ffmpeg \(Debian\/Ubuntu: apt-get install ffmpeg/);
    });
  });
});

(present ? describe : describe.skip)('minterpolate with ffmpeg', () => {
  it('blend mode equals (a + b + 1) >> 1 on every byte: the pipe is lossless', async () => {
    // every byte pair value appears: a sweeps 0..255 along x, b along y, on all three channels (shifted)
    const width = 256, height = 256;
    const a = new Uint8Array(width * height * 3), b = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          const i = (y * width + x) * 3 + c;
          a[i] = (x + 85 * c) & 255;
          b[i] = (y + 51 * c) & 255;
        }
      }
    }
    const out = await minterpolateMiddle({data: a, width, height}, {data: b, width, height}, 'mi_mode=blend');
    let mismatches = 0;
    for (let i = 0; i < a.length; i++) if (out[i] !== ((a[i] + b[i] + 1) >> 1)) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('mci mode runs on odd sizes and keeps a still image exactly', async () => {
    const still = patternImage(65, 33, 4);
    const method = createMinterpolate();
    await method.prepare();
    expect(method.describe().notes.join(' ')).toMatch(/ffmpeg version/);
    const pred = await method.predict({frame0: still, gt: still, frame1: still, t: 0.5, id: 'still'});
    expect([pred.width, pred.height]).toEqual([65, 33]);
    expect(pred.data).toEqual(still.data);
    await expect(method.predict({frame0: still, gt: still, frame1: still, t: 0.25, id: 'q'})).rejects.toThrow(/only the middle frame/);
    const tiny = patternImage(31, 40, 1);
    await expect(minterpolateMiddle(tiny, tiny)).rejects.toThrow('at least 32x32, got 31x40');
  });
});
