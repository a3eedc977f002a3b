// The evaluation metrics of spec §6, in one place: PSNR on the uint8-rounded prediction (RIFE's
// benchmark scripts, the primary number), PSNR on the float prediction (AMT / IFRNet), SSIM as RIFE's
// `ssim_matlab`, and Middlebury's interpolation error. Plain typed-array code, no tfjs: every method is
// scored by exactly the same arithmetic, whatever backend produced its frame.

// Globals read once: inside a vm context (jest) every global lookup in a hot loop goes through an interceptor
// and is several times slower.
const {abs, exp, floor, fround, log10, min, round} = Math;
const isNaN = Number.isNaN;

/** An interleaved RGB image, row-major `[H, W, 3]`: bytes 0-255 or floats (any scale, see each function). */
export interface ImageArray<T extends ArrayLike<number> = ArrayLike<number>> {
  /** `height * width * 3` values, RGB interleaved. */
  data: T;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/**
 * A method's output frame: `Float32Array` in [0, 1] (a network's float output) or `Uint8Array` 0-255
 * (a published frame read from a PNG), `[H, W, 3]` RGB interleaved.
 */
export type Prediction = ImageArray<Float32Array | Uint8Array>;

/** The per-triplet scores. */
export interface TripletScores {
  /** PSNR (dB) on the prediction rounded to uint8: RIFE's protocol, the number the paper's tables use. */
  psnr: number;
  /** PSNR (dB) on the unrounded float prediction (AMT / IFRNet protocol); equals `psnr` for uint8 predictions. */
  psnrFloat: number;
  /** RIFE `ssim_matlab(gt, q)` on the uint8-rounded prediction `q`. */
  ssim: number;
  /** Middlebury interpolation error: mean |q − gt| on the 0-255 scale, q rounded to uint8. */
  ie: number;
}

function checkSameSize(what: string, a: ImageArray, b: ImageArray): void {
  const expected = a.width * a.height * 3;
  if (a.width !== b.width || a.height !== b.height || a.data.length !== expected || b.data.length !== expected) {
    throw new Error(`${what}: images must have the same size with 3 channels: got ${a.width}x${a.height} ` +
        `(${a.data.length} values) and ${b.width}x${b.height} (${b.data.length} values)`);
  }
}

/** Round half to even (numpy's `np.round`, `torch.round`); JS `Math.round` rounds halves up. */
export function roundHalfEven(x: number): number {
  const r = round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Quantize a float prediction in [0, 1] to uint8 as RIFE's benchmarks do: `round(pred * 255)` with the
 * product taken in float32 (`torch.round(mid * 255)` on a float32 tensor) and halves rounded to even.
 * Values outside [0, 255] are clamped (a model's output is already clamped to [0, 1]; numpy's uint8 cast
 * would wrap instead). A uint8 prediction is returned as is.
 *
 * @throws Error on NaN, naming the first index.
 */
export function quantize(pred: Prediction): Uint8Array {
  if (pred.data instanceof Uint8Array) return pred.data;
  const source = pred.data;
  const out = new Uint8Array(source.length);
  for (let i = 0; i < source.length; i++) {
    const v = source[i];
    if (isNaN(v)) throw new Error(`quantize: prediction value ${i} is NaN; the method produced an invalid frame`);
    const q = roundHalfEven(fround(v * 255));
    out[i] = q < 0 ? 0 : q > 255 ? 255 : q;
  }
  return out;
}

function psnrFromMse(mse: number): number {
  // mse = 0 gives +Infinity (AMT's float PSNR); RIFE's `math.log10(0)` raises instead, see psnrRife.
  return -10 * log10(mse);
}

/**
 * PSNR (dB) between an 8-bit ground truth and an 8-bit prediction, both read as byte / 255:
 * `−10·log10(mean((gt − q)²))` over H×W×3. Exact: the squared byte differences are summed as integers.
 * This is RIFE `benchmark/Vimeo90K.py` L33-37 (float64 numpy) and `UCF101.py` L30-36 (float32 numpy,
 * which differs in the 7th digit). Identical images give `+Infinity`.
 */
export function psnrUint8(gt: ImageArray<Uint8Array>, q: ImageArray<Uint8Array>): number {
  checkSameSize('psnrUint8', gt, q);
  let sum = 0;
  const a = gt.data, b = q.data;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return psnrFromMse(sum / a.length / (255 * 255));
}

/**
 * PSNR (dB) on the unrounded prediction, as AMT `metrics/psnr_ssim.py` `calculate_psnr` and IFRNet: the
 * ground truth is `float32(byte / 255)` (what `uint8_tensor / 255.` gives) and the mean of squared errors is
 * accumulated in float64 (the reference accumulates in float32: 1e-6 dB apart). Identical images give `+Infinity`.
 */
export function psnrFloat(gt: ImageArray<Uint8Array>, pred: Prediction): number {
  checkSameSize('psnrFloat', gt, pred);
  if (pred.data instanceof Uint8Array) return psnrUint8(gt, pred as ImageArray<Uint8Array>);
  const a = gt.data, b = pred.data;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = b[i] - fround(a[i] / 255);
    sum += d * d;
  }
  return psnrFromMse(sum / a.length);
}

/**
 * RIFE's PSNR exactly as its scripts behave: like {@link psnrUint8} on `quantize(pred)`, but identical
 * images throw (`math.log10(0)`: "ValueError: math domain error") instead of returning `+Infinity`.
 * The benchmark itself uses {@link psnrUint8} and reports `inf`; this exists for the parity test.
 */
export function psnrRife(gt: ImageArray<Uint8Array>, pred: Prediction): number {
  const value = psnrUint8(gt, {data: quantize(pred), width: pred.width, height: pred.height});
  if (value === Infinity) throw new RangeError('psnrRife: math domain error (mean squared error is 0; RIFE raises ValueError here)');
  return value;
}

/** Middlebury interpolation error (IE): mean |q − gt| over H×W×3 on the 0-255 scale (RIFE `MiddleBury_Other.py`). */
export function interpolationError(gt: ImageArray<Uint8Array>, q: ImageArray<Uint8Array>): number {
  checkSameSize('interpolationError', gt, q);
  const a = gt.data, b = q.data;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += abs(a[i] - b[i]);
  return sum / a.length;
}

/** RIFE `gaussian(size, 1.5)`: built in float32 (`torch.Tensor`), normalised by its float32 sum. */
function gaussianWindow(size: number, sigma = 1.5): Float64Array {
  const g = new Float32Array(size);
  const center = floor(size / 2);
  let sum = 0;
  for (let x = 0; x < size; x++) {
    g[x] = exp(-((x - center) ** 2) / (2 * sigma * sigma));
    sum = fround(sum + g[x]);
  }
  const out = new Float64Array(size);
  for (let x = 0; x < size; x++) out[x] = fround(g[x] / sum);
  return out;
}

/** Options of {@link ssimMatlab}. */
export interface SsimOptions {
  /** Dynamic range L; default guessed from `img1` as RIFE does: 255 if max > 128 else 1, minus (−1 if min < −0.5 else 0). */
  valueRange?: number;
}

/**
 * RIFE `model/pytorch_msssim/__init__.py` `ssim_matlab(img1, img2)` (L81-134), the SSIM of spec §6 and the
 * paper's tables. The image is one volume over (channel, row, column): a separable 11×11×11 Gaussian window
 * (σ = 1.5; the size is min(11, H, W) for tiny images), both volumes replicate-padded by 5 on all three axes
 * (the 3-channel axis too, so the result does not depend on RGB or BGR order), a valid 3-D convolution,
 * `σ² = E[x²] − E[x]²`, C1 = (0.01·L)², C2 = (0.03·L)², and the mean of the SSIM map.
 * Computed in float64 (the reference is float32: up to 3e-6 apart).
 *
 * @param img1 the reference image (RIFE passes the ground truth first; L is guessed from it), `[H, W, 3]`.
 * @param img2 the other image, same size and scale.
 */
export function ssimMatlab(img1: ImageArray, img2: ImageArray, options: SsimOptions = {}): number {
  checkSameSize('ssimMatlab', img1, img2);
  const {width: W, height: H} = img1;
  const C = 3;
  const x = img1.data, y = img2.data;
  let L = options.valueRange;
  if (L === undefined) {
    let max = -Infinity, min = Infinity;
    for (let i = 0; i < x.length; i++) {
      if (x[i] > max) max = x[i];
      if (x[i] < min) min = x[i];
    }
    L = (max > 128 ? 255 : 1) - (min < -0.5 ? -1 : 0);
  }
  const C1 = (0.01 * L) ** 2, C2 = (0.03 * L) ** 2;
  const size = min(11, H, W);
  const g = gaussianWindow(size);
  const PAD = 5;
  const outC = C + 2 * PAD - size + 1, outH = H + 2 * PAD - size + 1, outW = W + 2 * PAD - size + 1;
  const clamp = (i: number, n: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);
  // The channel axis is short (3 + 2·5 padded): fold the window taps that land on the same clamped
  // channel into one weight per input channel, so the channel pass is 3 multiply-adds per value.
  const channelWeights = Array.from({length: outC}, (_, oc) => {
    const w = new Float64Array(C);
    for (let k = 0; k < size; k++) w[clamp(oc + k - PAD, C)] += g[k];
    return w;
  });
  // Five filtered maps (x, y, x², y², xy), one output channel at a time: channel pass, then rows, then columns.
  const plane = H * W;
  const maps = Array.from({length: 5}, () => new Float64Array(plane));
  const rows = new Float64Array(outH * W);
  const full = Array.from({length: 5}, () => new Float64Array(outH * outW));
  let total = 0;
  for (let oc = 0; oc < outC; oc++) {
    const [w0, w1, w2] = channelWeights[oc];
    const [mx, my, mxx, myy, mxy] = maps;
    for (let p = 0, i = 0; p < plane; p++, i += 3) {
      const a0 = x[i], a1 = x[i + 1], a2 = x[i + 2], b0 = y[i], b1 = y[i + 1], b2 = y[i + 2];
      mx[p] = w0 * a0 + w1 * a1 + w2 * a2;
      my[p] = w0 * b0 + w1 * b1 + w2 * b2;
      mxx[p] = w0 * a0 * a0 + w1 * a1 * a1 + w2 * a2 * a2;
      myy[p] = w0 * b0 * b0 + w1 * b1 * b1 + w2 * b2 * b2;
      mxy[p] = w0 * a0 * b0 + w1 * a1 * b1 + w2 * a2 * b2;
    }
    for (let m = 0; m < 5; m++) {
      const src = maps[m];
      rows.fill(0);
      for (let oh = 0; oh < outH; oh++) {
        const base = oh * W;
        for (let k = 0; k < size; k++) {
          const row = clamp(oh + k - PAD, H) * W, w = g[k];
          for (let col = 0; col < W; col++) rows[base + col] += w * src[row + col];
        }
      }
      const out = full[m];
      for (let oh = 0; oh < outH; oh++) {
        const srcRow = oh * W, dstRow = oh * outW;
        for (let ow = 0; ow < outW; ow++) {
          let s = 0;
          const first = ow - PAD;
          if (first >= 0 && first + size <= W) {
            for (let k = 0; k < size; k++) s += g[k] * rows[srcRow + first + k];
          } else {
            for (let k = 0; k < size; k++) s += g[k] * rows[srcRow + clamp(first + k, W)];
          }
          out[dstRow + ow] = s;
        }
      }
    }
    const [mu1, mu2, e11, e22, e12] = full;
    for (let i = 0; i < outH * outW; i++) {
      const m1 = mu1[i], m2 = mu2[i];
      const s11 = e11[i] - m1 * m1, s22 = e22[i] - m2 * m2, s12 = e12[i] - m1 * m2;
      total += ((2 * m1 * m2 + C1) * (2 * s12 + C2)) / ((m1 * m1 + m2 * m2 + C1) * (s11 + s22 + C2));
    }
  }
  return total / (outC * outH * outW);
}

/** Bytes / 255 as float64, the scale RIFE's SSIM sees (`uint8 / 255.`). */
function toUnit(data: Uint8Array): Float64Array {
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] / 255;
  return out;
}

/**
 * Every metric of one triplet, by the protocol of spec §6: the prediction is rounded to uint8 once
 * ({@link quantize}); PSNR, SSIM (gt first) and IE use the rounded frame, `psnrFloat` the unrounded one.
 *
 * @param gt the ground-truth frame, 8-bit.
 * @param pred the method's output, float [0, 1] or 8-bit.
 */
export function scoreTriplet(gt: ImageArray<Uint8Array>, pred: Prediction): TripletScores {
  checkSameSize('scoreTriplet', gt, pred);
  const q = {data: quantize(pred), width: pred.width, height: pred.height};
  return {
    psnr: psnrUint8(gt, q),
    psnrFloat: psnrFloat(gt, pred),
    ssim: ssimMatlab({...gt, data: toUnit(gt.data)}, {...q, data: toUnit(q.data)}),
    ie: interpolationError(gt, q),
  };
}
