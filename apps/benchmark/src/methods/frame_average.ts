// The frame-averaging baseline: the middle frame is (I0 + I1) / 2. Any motion-compensated method should beat it.
import type {RawTriplet} from '@daek/datasets';
import type {Prediction} from '../metrics.js';
import type {Method, MethodInfo} from './method.js';

const fround = Math.fround; // read once: global lookups in a hot loop are slow inside vm contexts (jest)

/**
 * Frame averaging: `pred = (I0/255 + I1/255) / 2` in float32, as a tfjs or PyTorch model would compute it
 * from the same inputs, so its rounding to uint8 goes through the same path as a network's output.
 */
export function createFrameAverage(): Method {
  const info: MethodInfo = {
    name: 'frame average',
    kind: 'average',
    parameters: 0,
    notes: ['pred = (I0 + I1) / 2 in float32 on byte / 255 inputs; no padding'],
  };
  return {
    name: info.name,
    describe: () => info,
    prepare: async () => undefined,
    predict: async (triplet: RawTriplet): Promise<Prediction> => {
      const a = triplet.frame0.data, b = triplet.frame1.data;
      const out = new Float32Array(a.length);
      for (let i = 0; i < a.length; i++) {
        out[i] = fround(fround(fround(a[i] / 255) + fround(b[i] / 255)) / 2);
      }
      return {data: out, width: triplet.frame0.width, height: triplet.frame0.height};
    },
    dispose: () => undefined,
  };
}
