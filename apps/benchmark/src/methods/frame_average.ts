// The frame-averaging baseline: the middle frame is (I0 + I1) / 2. Any motion-compensated method should beat it.
import type {RawTriplet} from '@daek/datasets';
import type {Prediction} from '../metrics.js';
import type {Method, MethodInfo} from './method.js';

/**
 * The exact average of two bytes, rounded half to even: `s = a + b`; an even `s` gives `s / 2`, an odd one
 * lies halfway between `s >> 1` and `(s >> 1) + 1` and goes to whichever is even. Half-to-even is the rounding
 * the benchmark applies to every network's float output (`torch.round`), so this is the exact average rounded by
 * the same rule, and the numbers match the tables that call it "exact, half-to-even". (Round half up,
 * `(a + b + 1) >> 1`, is what ffmpeg's `minterpolate=mi_mode=blend` computes.)
 */
export function averageHalfEven(a: number, b: number): number {
  const s = a + b;
  const half = s >> 1;
  return half + (s & half & 1);
}

/**
 * Frame averaging: each output byte is the exact integer average of the two input bytes, rounded half to even
 * ({@link averageHalfEven}). An 8-bit prediction: nothing is left for the metrics to round, so "PSNR float"
 * equals PSNR for this method.
 */
export function createFrameAverage(): Method {
  const info: MethodInfo = {
    name: 'frame average',
    kind: 'average',
    parameters: 0,
    notes: ['pred = (I0 + I1) / 2 exactly, in integers, rounded half to even, 8-bit output; no padding'],
  };
  return {
    name: info.name,
    describe: () => info,
    prepare: async () => undefined,
    predict: async (triplet: RawTriplet): Promise<Prediction> => {
      const a = triplet.frame0.data, b = triplet.frame1.data;
      const out = new Uint8Array(a.length);
      for (let i = 0; i < a.length; i++) {
        const s = a[i] + b[i];
        const half = s >> 1;
        out[i] = half + (s & half & 1);
      }
      return {data: out, width: triplet.frame0.width, height: triplet.frame0.height};
    },
    dispose: () => undefined,
  };
}
