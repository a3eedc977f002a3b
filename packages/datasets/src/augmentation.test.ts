import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectNoLeaks} from '@daek/testing';
import {applyAugmentation, applyAugmentationToRaw, createAugmenter, drawAugmentation, type AugmentationChoice, type Rotation} from './augmentation.js';
import type {RgbImage} from './image.js';
import {createRandom} from './random.js';
import type {RawTriplet, TripletSample} from './sample.js';

/** A plain [H, W, 3] array and the RIFE operations on it, written index by index as numpy slicing reads. */
interface Plain { h: number; w: number; v: Float32Array }
const at = (p: Plain, y: number, x: number, c: number) => p.v[(y * p.w + x) * 3 + c];
function build(h: number, w: number, f: (y: number, x: number, c: number) => number): Plain {
  const v = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) v[(y * w + x) * 3 + c] = f(y, x, c);
  return {h, w, v};
}
function reference(p: Plain, ch: AugmentationChoice): Plain {
  const s = ch.cropSize;
  let q = build(s, s, (y, x, c) => at(p, ch.top + y, ch.left + x, c)); // img[x:x+h, y:y+w]
  if (ch.reverseChannels) { const r = q; q = build(s, s, (y, x, c) => at(r, y, x, 2 - c)); } // [:, :, ::-1]
  if (ch.flipVertical) { const r = q; q = build(s, s, (y, x, c) => at(r, s - 1 - y, x, c)); } // [::-1]
  if (ch.flipHorizontal) { const r = q; q = build(s, s, (y, x, c) => at(r, y, s - 1 - x, c)); } // [:, ::-1]
  const r = q;
  // cv2.rotate: CLOCKWISE out[i][j] = in[n-1-j][i]; 180 out[i][j] = in[n-1-i][n-1-j]; COUNTERCLOCKWISE out[i][j] = in[j][n-1-i].
  if (ch.rotation === 90) q = build(s, s, (y, x, c) => at(r, s - 1 - x, y, c));
  else if (ch.rotation === 180) q = build(s, s, (y, x, c) => at(r, s - 1 - y, s - 1 - x, c));
  else if (ch.rotation === 270) q = build(s, s, (y, x, c) => at(r, x, s - 1 - y, c));
  return q;
}
const frameValue = (k: number) => (y: number, x: number, c: number) => k * 1000 + y * 100 + x * 3 + c;

function sampleOf(h: number, w: number): {sample: TripletSample; plains: Plain[]} {
  const plains = [0, 1, 2, 3].map((k) => build(h, w, frameValue(k)));
  const t = (p: Plain) => tf.tensor3d(p.v, [h, w, 3]);
  return {sample: {frame0: t(plains[0]), gt: t(plains[1]), frame1: t(plains[2]), reference: t(plains[3]), t: 0.25, id: 'x',
    frames: [10, 11, 12]}, plains};
}

describeWithBackends('applyAugmentation', () => {
  it('matches the index-by-index reference for all 64 flip / swap / rotation combinations', async () => {
    const {sample, plains} = sampleOf(6, 9);
    const rotations: Rotation[] = [0, 90, 180, 270];
    for (let bits = 0; bits < 16; bits++) {
      for (const rotation of rotations) {
        const choice: AugmentationChoice = {cropSize: 4, top: bits % 3, left: (bits * 2) % 6,
          reverseChannels: (bits & 1) > 0, flipVertical: (bits & 2) > 0, flipHorizontal: (bits & 4) > 0,
          flipTemporal: (bits & 8) > 0, rotation};
        const out = applyAugmentation(sample, choice);
        const [e0, egt, e1, eref] = plains.map((p) => reference(p, choice));
        const swap = choice.flipTemporal;
        expect(out.frame0.shape).toEqual([4, 4, 3]);
        expect(Array.from(await out.frame0.data())).toEqual(Array.from((swap ? e1 : e0).v));
        expect(Array.from(await out.gt.data())).toEqual(Array.from(egt.v));
        expect(Array.from(await out.frame1.data())).toEqual(Array.from((swap ? e0 : e1).v));
        expect(Array.from(await out.reference!.data())).toEqual(Array.from(eref.v));
        expect(out.t).toBe(swap ? 0.75 : 0.25);
        expect(out.frames).toEqual(swap ? [12, 11, 10] : [10, 11, 12]);
        tf.dispose([out.frame0, out.gt, out.frame1, out.reference!]);
      }
    }
    expect(sample.frame0.isDisposed).toBe(false);
  });

  it('rejects a crop larger than the frame and frames of different sizes', () => {
    const {sample} = sampleOf(4, 5);
    const augment = createAugmenter({cropSize: 5});
    expect(() => augment(sample)).toThrow(/the 5x5 crop does not fit in a 5x4 \(WxH\) frame/);
    const bad = {...sample, gt: tf.zeros([4, 6, 3]) as tf.Tensor3D};
    expect(() => applyAugmentation(bad, {cropSize: 2, top: 0, left: 0, reverseChannels: false, flipVertical: false,
      flipHorizontal: false, flipTemporal: false, rotation: 0})).toThrow(/gt is \[4,6,3\] but frame0 is \[4,5,3\]/);
    expect(() => applyAugmentation({...sample, frame0: tf.zeros([4, 5]) as unknown as tf.Tensor3D}, {cropSize: 2, top: 0,
      left: 0, reverseChannels: false, flipVertical: false, flipHorizontal: false, flipTemporal: false, rotation: 0}))
        .toThrow(/expected frame0 a tensor \[H, W, 3\], received \[4,5\]/);
  });

  it('does not leak tensors', async () => {
    const {sample} = sampleOf(8, 8);
    const augment = createAugmenter({seed: 3, cropSize: 4});
    await expectNoLeaks(() => {
      const out = augment(sample);
      return [out.frame0, out.gt, out.frame1, out.reference!];
    }, 5);
  });
});

const allChoices = (): AugmentationChoice[] => {
  const out: AugmentationChoice[] = [];
  for (let bits = 0; bits < 16; bits++) {
    for (const rotation of [0, 90, 180, 270] as Rotation[]) {
      out.push({cropSize: 4, top: bits % 3, left: (bits * 2) % 6, reverseChannels: (bits & 1) > 0, flipVertical: (bits & 2) > 0,
        flipHorizontal: (bits & 4) > 0, flipTemporal: (bits & 8) > 0, rotation});
    }
  }
  return out;
};

describe('applyAugmentationToRaw', () => {
  const bytes = (k: number): RgbImage => ({width: 9, height: 6, data: Uint8Array.from(build(6, 9, (y, x, c) => (k * 60 + y * 9 + x * 3 + c) % 256).v)});
  const raw: RawTriplet = {frame0: bytes(0), gt: bytes(1), frame1: bytes(2), reference: bytes(3), t: 0.25, id: 'r', frames: [1, 2, 3]};

  it('matches the index-by-index reference for all 64 combinations (the same as the tensor version)', () => {
    for (const choice of allChoices()) {
      const out = applyAugmentationToRaw(raw, choice);
      const [e0, egt, e1, eref] = [raw.frame0, raw.gt, raw.frame1, raw.reference!]
          .map((f) => reference({h: 6, w: 9, v: Float32Array.from(f.data)}, choice));
      const swap = choice.flipTemporal;
      expect(Array.from(out.frame0.data)).toEqual(Array.from((swap ? e1 : e0).v));
      expect(Array.from(out.gt.data)).toEqual(Array.from(egt.v));
      expect(Array.from(out.frame1.data)).toEqual(Array.from((swap ? e0 : e1).v));
      expect(Array.from(out.reference!.data)).toEqual(Array.from(eref.v));
      expect([out.frame0.width, out.frame0.height, out.t]).toEqual([4, 4, swap ? 0.75 : 0.25]);
      expect(out.frames).toEqual(swap ? [3, 2, 1] : [1, 2, 3]);
    }
  });

  it('draws from the same stream as the tensor augmenter', () => {
    const tensorAugment = createAugmenter({seed: 8, cropSize: 4});
    const rawAugment = createAugmenter({seed: 8, cropSize: 4});
    const frame = tf.zeros([6, 9, 3]) as tf.Tensor3D;
    for (let i = 0; i < 10; i++) {
      const s = tensorAugment({frame0: frame, gt: frame, frame1: frame, t: 0.5});
      tf.dispose([s.frame0, s.gt, s.frame1]);
      rawAugment.raw(raw);
      expect(rawAugment.last).toEqual(tensorAugment.last);
    }
    frame.dispose();
    expect(() => createAugmenter({cropSize: 7}).raw(raw)).toThrow(/the 7x7 crop does not fit in a 9x6 \(WxH\) frame/);
  });
});

describe('drawAugmentation / createAugmenter', () => {
  it('draws crop windows over the whole valid range and each decision with its probability', () => {
    const random = createRandom(11);
    const n = 8000;
    let rc = 0, fv = 0, fh = 0, ft = 0;
    const rotations = new Map<number, number>();
    const tops = new Set<number>(), lefts = new Set<number>();
    for (let i = 0; i < n; i++) {
      const c = drawAugmentation(random, 256, 448, 224);
      tops.add(c.top); lefts.add(c.left);
      rc += +c.reverseChannels; fv += +c.flipVertical; fh += +c.flipHorizontal; ft += +c.flipTemporal;
      rotations.set(c.rotation, (rotations.get(c.rotation) ?? 0) + 1);
    }
    expect(Math.min(...tops)).toBe(0);
    expect(Math.max(...tops)).toBe(32); // ih - h
    expect(Math.max(...lefts)).toBe(224); // iw - w
    expect(tops.size).toBe(33);
    for (const count of [rc, fv, fh, ft]) expect(Math.abs(count / n - 0.5)).toBeLessThan(0.03);
    for (const r of [0, 90, 180, 270]) expect(Math.abs(rotations.get(r)! / n - 0.25)).toBeLessThan(0.03);
  });

  it('is reproducible from its seed and epoch, and differs across seeds and epochs', () => {
    const decisions = (seed: number, epoch: number) => {
      const augment = createAugmenter({seed, cropSize: 2}, epoch);
      const frame = tf.zeros([4, 4, 3]) as tf.Tensor3D;
      const out = [];
      for (let i = 0; i < 20; i++) {
        const s = augment({frame0: frame, gt: frame, frame1: frame, t: 0.5});
        tf.dispose([s.frame0, s.gt, s.frame1]);
        out.push(augment.last);
      }
      frame.dispose();
      return out;
    };
    expect(decisions(5, 0)).toEqual(decisions(5, 0));
    expect(decisions(5, 0)).not.toEqual(decisions(6, 0));
    expect(decisions(5, 0)).not.toEqual(decisions(5, 1));
  });

  it('rejects a crop size that is not a positive integer', () => {
    expect(() => createAugmenter({cropSize: 0})).toThrow(/cropSize: expected a positive integer, received 0/);
    expect(() => drawAugmentation(createRandom(0), 10, 10, 2.5)).toThrow(/received 2.5/);
  });
});
