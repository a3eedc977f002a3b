import type {ConvGeometry} from './geometry.js';

/**
 * Data movement for the convolution gradients, as plain loops over host memory. The FLOPs run in
 * XNNPACK (conv2d, matMul); these loops only rearrange data, which the wasm backend's generic
 * Slice/Transpose/Concat kernels do ~10x slower.
 */

/** Runs shorter than this are copied element by element: a `copyWithin` call costs more than it saves. */
const SHORT_RUN = 16;

/**
 * Copy `count` floats from `src[srcIndex..]` to `dst[dstIndex..]`. On wasm both views lie on the same
 * heap, and `copyWithin` over one view of it is a memmove without the allocation of a `subarray`.
 */
function runCopier(src: Float32Array, dst: Float32Array): (srcIndex: number, dstIndex: number, count: number) => void {
  if (src.buffer === dst.buffer) {
    const heap = new Float32Array(src.buffer);
    const srcBase = src.byteOffset / 4, dstBase = dst.byteOffset / 4;
    return (srcIndex, dstIndex, count) => {
      if (count < SHORT_RUN) {
        for (let i = 0; i < count; i++) dst[dstIndex + i] = src[srcIndex + i];
      } else {
        heap.copyWithin(dstBase + dstIndex, srcBase + srcIndex, srcBase + srcIndex + count);
      }
    };
  }
  return (srcIndex, dstIndex, count) => {
    if (count < SHORT_RUN) {
      for (let i = 0; i < count; i++) dst[dstIndex + i] = src[srcIndex + i];
    } else {
      dst.set(src.subarray(srcIndex, srcIndex + count), dstIndex);
    }
  };
}

/** Output rows `(b, oy)` of a pixel chunk: columns `[first, end)`, written from chunk column `at`. */
interface RowSegment {
  b: number;
  oy: number;
  first: number;
  end: number;
  at: number;
}

function chunkRows(g: ConvGeometry, n0: number, len: number): RowSegment[] {
  const {outHeight: Ho, outWidth: Wo} = g;
  const segments: RowSegment[] = [];
  for (let n = n0; n < n0 + len;) {
    const ox = n % Wo, rest = (n - ox) / Wo, oy = rest % Ho, b = (rest - oy) / Ho;
    const end = Math.min(Wo, ox + n0 + len - n);
    segments.push({b, oy, first: ox, end, at: n - n0});
    n += end - ox;
  }
  return segments;
}

/**
 * The polyphase, channel-major layout of the input used to build im2col: `x[b, iy, ix, c]` is stored at
 * `c·plane + (((b·sh + iy % sh)·sw + ix % sw)·Hs + ⌊iy/sh⌋)·Ws + ⌊ix/sw⌋`, with `Hs = ⌈H/sh⌉`,
 * `Ws = ⌈W/sw⌉`. Each stride phase of the input becomes an image of its own, so a filter tap of a
 * strided convolution reads consecutive values of one phase row, as a stride-1 tap does.
 * For stride 1 this is the plain transpose `[C, B·H·W]`.
 */
export function phaseLayoutSize(g: ConvGeometry): {phaseHeight: number; phaseWidth: number; plane: number} {
  const phaseHeight = Math.ceil(g.inHeight / g.strideHeight), phaseWidth = Math.ceil(g.inWidth / g.strideWidth);
  return {phaseHeight, phaseWidth, plane: g.batch * g.strideHeight * g.strideWidth * phaseHeight * phaseWidth};
}

/** Pixels per block in {@link toPhaseLayout}: the block's input pixels stay in L1 across the channel loop. */
const LAYOUT_BLOCK = 64;

/** Which stride phases along one axis some filter tap reads (all of them unless the filter is smaller than the stride). */
function usedPhases(kernel: number, stride: number, pad: number): boolean[] {
  const used = new Array<boolean>(stride).fill(false);
  for (let k = 0; k < kernel; k++) used[(((k - pad) % stride) + stride) % stride] = true;
  return used;
}

/**
 * Write NHWC `x` into `xT` in the layout of {@link phaseLayoutSize} (`xT` zero-filled, `C·plane` floats).
 * Phases no filter tap reads (a 1x1 filter with stride 2 reads one of four) are left out.
 */
export function toPhaseLayout(x: Float32Array, xT: Float32Array, g: ConvGeometry): void {
  const {batch: B, inHeight: H, inWidth: W, inChannels: C, strideHeight: sh, strideWidth: sw} = g;
  const {phaseHeight: Hs, phaseWidth: Ws, plane} = phaseLayoutSize(g);
  const rowsUsed = usedPhases(g.filterHeight, sh, g.padTop), colsUsed = usedPhases(g.filterWidth, sw, g.padLeft);
  for (let b = 0; b < B; b++) {
    for (let iy = 0; iy < H; iy++) {
      if (!rowsUsed[iy % sh]) continue;
      for (let rx = 0; rx < sw; rx++) {
        if (!colsUsed[rx]) continue;
        // Input pixels ix = rx, rx + sw, ... of this row: one row of phase (iy % sh, rx).
        const count = Math.ceil((W - rx) / sw);
        const dstRow = (((b * sh + iy % sh) * sw + rx) * Hs + Math.floor(iy / sh)) * Ws;
        const srcRow = ((b * H + iy) * W + rx) * C;
        for (let q0 = 0; q0 < count; q0 += LAYOUT_BLOCK) {
          const q1 = Math.min(count, q0 + LAYOUT_BLOCK);
          for (let c = 0; c < C; c++) {
            let d = c * plane + dstRow + q0;
            for (let q = q0, i = srcRow + q0 * sw * C + c; q < q1; q++, i += sw * C) xT[d++] = x[i];
          }
        }
      }
    }
  }
}

/**
 * Transposed im2col of a pixel range, from `xT` in the layout of {@link toPhaseLayout}:
 * `col[(tap·C + c)·len + j] = x[b, oy·sh + ky - pt, ox·sw + kx - pl, c]` for output pixel `n = n0 + j`
 * (`n = (b·Ho + oy)·Wo + ox`, `tap = ky·kw + kx`), zero outside the input. `col` (`[kh·kw·C, len]`)
 * must be zero-filled. Then `col · dy[n0:n0+len]` is those pixels' filter gradient, already in
 * `[kh,kw,C,O]` order.
 *
 * Tap `(ky, kx)` reads phase `((ky - pt) mod sh, (kx - pl) mod sw)` at offset `(⌊(ky - pt)/sh⌋, ⌊(kx - pl)/sw⌋)`,
 * so each output row is one contiguous copy. When a phase row is as long as an output row (the common
 * case: 'same'-like padding, W divisible by the stride) the rows of one image are copied as one block,
 * and the few columns that wrapped around from the neighbouring row are zeroed afterwards.
 */
export function im2colTransposed(xT: Float32Array, col: Float32Array, g: ConvGeometry, n0: number, len: number): void {
  const {inHeight: H, inWidth: W, inChannels: C, outWidth: Wo, filterHeight: kh, filterWidth: kw} = g;
  const {strideHeight: sh, strideWidth: sw, padTop, padLeft} = g;
  const {phaseHeight: Hs, phaseWidth: Ws, plane} = phaseLayoutSize(g);
  const copy = runCopier(xT, col);
  const segments = chunkRows(g, n0, len);
  for (let ky = 0; ky < kh; ky++) {
    const ry = (((ky - padTop) % sh) + sh) % sh, offY = (ky - padTop - ry) / sh;
    const rows = Math.ceil((H - ry) / sh); // valid rows of this phase
    for (let kx = 0; kx < kw; kx++) {
      const rx = (((kx - padLeft) % sw) + sw) % sw, offX = (kx - padLeft - rx) / sw;
      const cols = Math.ceil((W - rx) / sw);
      // Output columns whose phase column ox + offX lies inside [0, cols).
      const lo = Math.max(0, -offX), hi = Math.min(Wo, cols - offX);
      if (hi <= lo || rows <= 0) continue;
      const tapRow = (ky * kw + kx) * C * len;
      const blocks = Ws === Wo;
      for (let i = 0; i < segments.length;) {
        const {b, oy, first, end, at} = segments[i];
        const phaseBase = ((b * sh + ry) * sw + rx) * Hs;
        // A block of whole output rows of image b whose phase rows are all valid.
        let count = 0;
        if (blocks && first === 0) {
          while (i + count < segments.length && segments[i + count].b === b && segments[i + count].end === Wo &&
              segments[i + count].oy === oy + count && oy + count + offY >= 0 && oy + count + offY < rows) count++;
        }
        if (count > 1) {
          const src = (phaseBase + oy + offY) * Ws + offX;
          for (let c = 0; c < C; c++) {
            const dst = tapRow + c * len + at;
            // Clamp to xT's ends: those elements are wrapped columns, zeroed below anyway.
            const from = Math.max(0, -(c * plane + src)), to = Math.min(count * Wo, xT.length - (c * plane + src));
            copy(c * plane + src + from, dst + from, to - from);
            for (let r = 0; r < count; r++) {
              for (let ox = 0; ox < lo; ox++) col[dst + r * Wo + ox] = 0;
              for (let ox = hi; ox < Wo; ox++) col[dst + r * Wo + ox] = 0;
            }
          }
          i += count;
          continue;
        }
        i++;
        const iy = oy + offY;
        const from = Math.max(first, lo), to = Math.min(end, hi);
        if (iy < 0 || iy >= rows || to <= from) continue;
        const srcRow = (phaseBase + iy) * Ws + from + offX;
        const dstRow = tapRow + at + from - first;
        for (let c = 0; c < C; c++) copy(c * plane + srcRow, dstRow + c * len, to - from);
      }
    }
  }
}

/** Rows handled together by {@link transpose2d}, so that the strided reads stay in L1. */
const TRANSPOSE_BLOCK = 64;

/** `dst[c·rows + r] = src[(rowStart + r)·cols + c]` for `r < rows`: the transpose of a row range of `[*, cols]`. */
export function transpose2d(src: Float32Array, dst: Float32Array, rowStart: number, rows: number, cols: number): void {
  for (let r0 = 0; r0 < rows; r0 += TRANSPOSE_BLOCK) {
    const r1 = Math.min(rows, r0 + TRANSPOSE_BLOCK);
    for (let c = 0; c < cols; c++) {
      let d = c * rows + r0;
      for (let r = r0, i = (rowStart + r0) * cols + c; r < r1; r++, i += cols) dst[d++] = src[i];
    }
  }
}

/**
 * The filter of one input-gradient phase: `out[ty, tx, o, c] = w[tapsY[ty], tapsX[tx], c, o]`, i.e. the
 * taps of that phase, spatially reversed (the taps lists are already in correlation order) and with
 * input and output channels swapped, as conv2d(dy, ·) needs it.
 */
export function phaseFilter(w: Float32Array, out: Float32Array, g: ConvGeometry, tapsY: number[], tapsX: number[]): void {
  const {filterWidth: kw, inChannels: C, outChannels: O} = g;
  let dst = 0;
  for (const ky of tapsY) {
    for (const kx of tapsX) {
      const src = (ky * kw + kx) * C * O;
      for (let o = 0; o < O; o++) {
        for (let c = 0; c < C; c++) out[dst++] = w[src + c * O + o];
      }
    }
  }
}

/** Where one phase's result goes: rows `phaseY + sh·m`, columns `phaseX + sw·n`. */
export interface PhasePlacement {
  phaseY: number;
  phaseX: number;
  rows: number;
  cols: number;
}

/**
 * Interleave the phase results `[B, rows, cols, C]` into the input gradient `[B, H, W, C]` (zero-filled):
 * each pixel's channel vector is one contiguous copy.
 */
export function interleavePhases(parts: Float32Array[], placements: PhasePlacement[], out: Float32Array, g: ConvGeometry): void {
  const {batch: B, inHeight: H, inWidth: W, inChannels: C, strideHeight: sh, strideWidth: sw} = g;
  parts.forEach((part, i) => {
    const {phaseY, phaseX, rows, cols} = placements[i];
    let src = 0;
    for (let b = 0; b < B; b++) {
      for (let m = 0; m < rows; m++) {
        let dst = ((b * H + phaseY + sh * m) * W + phaseX) * C;
        if (C >= 32) {
          for (let n = 0; n < cols; n++, src += C, dst += sw * C) out.set(part.subarray(src, src + C), dst);
        } else {
          for (let n = 0; n < cols; n++, dst += sw * C) {
            for (let c = 0; c < C; c++) out[dst + c] = part[src++];
          }
        }
      }
    }
  });
}

/**
 * col2im of a pixel range, accumulating: `dx[b, oy·sh + ky - pt, ox·sw + kx - pl, c] += col[j, (ky·kw + kx)·C + c]`
 * for output pixel `n = n0 + j` and every tap inside the input. For each filter row the `kw` taps are
 * adjacent in NHWC memory, so each is one run of up to `kw·C` additions.
 */
export function col2im(col: Float32Array, dx: Float32Array, g: ConvGeometry, n0: number, len: number): void {
  const {inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo, filterHeight: kh, filterWidth: kw} = g;
  const rowLength = kw * C;
  for (let j = 0; j < len; j++) {
    const n = n0 + j;
    const ox = n % Wo, rest = (n - ox) / Wo, oy = rest % Ho, b = (rest - oy) / Ho;
    const iy0 = oy * g.strideHeight - g.padTop, ix0 = ox * g.strideWidth - g.padLeft;
    const first = Math.max(0, -ix0), last = Math.min(kw, W - ix0);
    if (last <= first) continue;
    const count = (last - first) * C;
    for (let ky = 0; ky < kh; ky++) {
      const iy = iy0 + ky;
      if (iy < 0 || iy >= H) continue;
      const src = (j * kh + ky) * rowLength + first * C, dst = ((b * H + iy) * W + ix0 + first) * C;
      for (let i = 0; i < count; i++) dx[dst + i] += col[src + i];
    }
  }
}
