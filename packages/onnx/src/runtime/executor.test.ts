import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {LOW_MEMORY_ABOVE, nchwToNhwc, nhwcToNchw, sessionExecutor, sharedPromise} from './executor.js';
import type {OnnxSession} from './session.js';

describe('host layout conversions', () => {
  it('moves NHWC element (b, y, x, c) to NCHW (b, c, y, x) and back', () => {
    const shape = [2, 3, 4, 5] as const; // B, H, W, C
    const nhwc = Float32Array.from({length: 2 * 3 * 4 * 5}, (_, i) => i);
    const nchw = nhwcToNchw(nhwc, shape);
    for (let b = 0; b < 2; b++) for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) for (let c = 0; c < 5; c++) {
      expect(nchw[((b * 5 + c) * 3 + y) * 4 + x]).toBe(nhwc[((b * 3 + y) * 4 + x) * 5 + c]);
    }
    expect(Array.from(nchwToNhwc(nchw, [2, 5, 3, 4]))).toEqual(Array.from(nhwc));
  });
});

describe('sessionExecutor', () => {
  /** A session that records the frame sizes it ran and returns a constant frame. */
  function fakeSession(value: number, sizes: number[][]): OnnxSession {
    return {
      info: {} as OnnxSession['info'], runtime: 'onnxruntime-node', executionProvider: 'cpu', threads: 1, description: 'fake',
      async run() {
        throw new Error('the executor fetches the frame only');
      },
      async runFrame(_a, _b, {batch, height, width}) {
        sizes.push([height, width]);
        return new Float32Array(3 * batch * height * width).fill(value);
      },
      async release() {
        sizes.push([-1]);
      },
    };
  }

  it('runs frames above 1920x1088 on the low-memory session, made once on first use; smaller ones on the main one', async () => {
    const [mainRuns, lowRuns] = [[] as number[][], [] as number[][]];
    let made = 0;
    const executor = sessionExecutor(fakeSession(0.25, mainRuns), {lowMemory: async () => {
      made++;
      return fakeSession(0.75, lowRuns);
    }});
    const run = async (h: number, w: number) => {
      const frame = tf.zeros([1, h, w, 3]) as tf.Tensor4D;
      const out = await executor.run(frame, frame);
      const value = (await out.data())[0];
      tf.dispose([frame, out]);
      return value;
    };
    expect(await run(1088, 1920)).toBe(0.25);
    expect(await run(1104, 1920)).toBe(0.75);
    expect(await run(1104, 1920)).toBe(0.75);
    expect(made).toBe(1);
    expect(mainRuns).toEqual([[1088, 1920]]);
    expect(lowRuns).toEqual([[1104, 1920], [1104, 1920]]);
    await executor.dispose();
    expect(lowRuns.at(-1)).toEqual([-1]);
    expect(LOW_MEMORY_ABOVE).toBe(1920 * 1088);
  });
});

describe('sessionExecutor with refine', () => {
  /**
   * A session that records its runs and returns a constant frame, a half mask (or `mask`) and the flow
   * `[−v, 0, v, 0]` with `v = flowAt(height)` (default 0: a zero flow); no frame-only runs.
   */
  function networkSession(value: number, sizes: number[][], flowAt: (height: number) => number = () => 0, mask = 0.5): OnnxSession {
    return {
      info: {} as OnnxSession['info'], runtime: 'onnxruntime-node', executionProvider: 'cpu', threads: 1, description: 'fake',
      async run(_a, _b, {batch, height, width}) {
        sizes.push([height, width]);
        const plane = batch * height * width;
        const flow = new Float32Array(4 * plane);
        const v = flowAt(height);
        for (let b = 0; b < batch; b++) {
          flow.fill(-v, (4 * b) * (plane / batch), (4 * b + 1) * (plane / batch));
          flow.fill(v, (4 * b + 2) * (plane / batch), (4 * b + 3) * (plane / batch));
        }
        return {merged: new Float32Array(3 * plane).fill(value), flow, mask: new Float32Array(plane).fill(mask)};
      },
      async runFrame() {
        throw new Error('with refine the executor needs the flow and mask too');
      },
      async release() {
        sizes.push([-1]);
      },
    };
  }

  it('fetches flow and mask from the main and the low-memory session and returns the searched frame; says refine is on', async () => {
    const [mainRuns, lowRuns] = [[] as number[][], [] as number[][]];
    // One pass: the network runs once per frame.
    const executor = sessionExecutor(networkSession(0.25, mainRuns), {lowMemory: async () => networkSession(0.75, lowRuns)},
      {steps: [1], window: 1, coarseStart: false});
    expect(executor.description).toBe('fake, flow search refinement (steps 1; window 1; prior 0.02; one pass)');
    // Black frames: every warp is 0, so the refined frame is clamp(0 + merged − 0) = the network's frame.
    const run = async (h: number, w: number) => {
      const frame = tf.zeros([1, h, w, 3]) as tf.Tensor4D;
      const out = await executor.run(frame, frame);
      const data = await out.data();
      tf.dispose([frame, out]);
      return [data[0], data[data.length - 1]];
    };
    const before = tf.memory().numTensors;
    expect(await run(32, 48)).toEqual([0.25, 0.25]);
    expect(await run(1104, 1920)).toEqual([0.75, 0.75]);
    expect(tf.memory().numTensors).toBe(before);
    expect(mainRuns).toEqual([[32, 48]]);
    expect(lowRuns).toEqual([[1104, 1920]]);
    await executor.dispose();
    expect(lowRuns.at(-1)).toEqual([-1]);
  }, 60_000);

  it('coarse start: runs the network on the half-size frames too, on the session their size picks, and starts the search from that flow', async () => {
    const [mainRuns, lightRuns, lowRuns] = [[] as number[][], [] as number[][], [] as number[][]];
    // The main session's coarse run (the 32x48 frames at half size, padded to 128x128) says the content moved 1 px
    // right at that scale, its full-size run says nothing moved; a full mask (lastBlend = warp(img0, f0)).
    const executor = sessionExecutor(networkSession(0.25, mainRuns, (h) => h === 128 ? 0.5 : 0, 1), {
      memoryLight: async () => networkSession(0.5, lightRuns), lowMemory: async () => networkSession(0.75, lowRuns)},
    {steps: [0.25], window: 1, coarseStart: 0.5});
    expect(executor.description).toBe('fake, flow search refinement (steps 0.25; window 1; prior 0.02; coarse start 0.5)');
    // A horizontal ramp moving 2 px right: img1(x) = img0(x − 2), so at t = 0.5 the flow [−1, 0, 1, 0] matches
    // exactly (cost 0) and the zero flow does not. The coarse flow is [−0.5, 0, 0.5, 0] at half size: [−1, 0, 1, 0] at
    // full size, the start the graph must pick; the 0.25-px search keeps it (any offset costs more). Then the refined
    // frame is merged + warp(img0, f0') − warp(img0, 0) = 0.25 + (x + 1)/64 − (x + 2)/64 = 0.25 − 1/64 inside the
    // frame. From the zero flow alone the search would reach [−0.25, 0, 0.25, 0] only: 0.25 − 0.25/64.
    const [h, w] = [32, 48];
    const ramp = (shift: number) => tf.tensor4d(Float32Array.from({length: h * w * 3}, (_, i) => (Math.floor(i / 3) % w + shift) / 64),
      [1, h, w, 3]);
    const [a, b] = [ramp(2), ramp(0)];
    const before = tf.memory().numTensors;
    const out = await executor.run(a, b);
    const data = await out.data();
    tf.dispose([out]);
    for (const [y, x] of [[16, 24], [0, 5], [31, 40]] as const) expect(data[(y * w + x) * 3]).toBeCloseTo(0.25 - 1 / 64, 5);
    expect(mainRuns).toEqual([[128, 128], [32, 48]]);
    // 1104x1920 (above 1920x1088): the full-size pass on the low-memory session; its half size (552x960, padded to
    // 576x960: above 64x64 1/8-positions, not above 1920x1088 pixels) on the memory-light one. Black frames: the
    // refined frame is the low-memory session's frame.
    const black = tf.zeros([1, 1104, 1920, 3]) as tf.Tensor4D;
    const large = await executor.run(black, black);
    const largeData = await large.data();
    tf.dispose([black, large]);
    expect([largeData[0], largeData[largeData.length - 1]]).toEqual([0.75, 0.75]);
    expect(tf.memory().numTensors).toBe(before);
    expect(mainRuns).toEqual([[128, 128], [32, 48]]);
    expect(lightRuns).toEqual([[576, 960]]);
    expect(lowRuns).toEqual([[1104, 1920]]);
    tf.dispose([a, b]);
    await executor.dispose();
    expect([mainRuns.at(-1), lightRuns.at(-1), lowRuns.at(-1)]).toEqual([[-1], [-1], [-1]]);
  }, 120_000);

  it('checks the options by name', () => {
    expect(() => sessionExecutor({description: 'fake'} as OnnxSession, {}, {window: 2}))
      .toThrow(/^sessionExecutor: refine: window: expected an odd integer >= 1/);
    expect(() => sessionExecutor({description: 'fake'} as OnnxSession, {}, {coarseStart: 2}))
      .toThrow(/^sessionExecutor: refine: coarseStart: expected a scale between 0 and 1/);
  });
});

describe('sharedPromise', () => {
  it('makes the value once for every caller, and tries again after a failure', async () => {
    let calls = 0;
    const get = sharedPromise(async () => {
      calls++;
      if (calls === 1) throw new Error('first export failed');
      return calls;
    });
    expect(get.pending).toBeNull();
    await expect(get()).rejects.toThrow('first export failed');
    // A failed promise is dropped, so dispose() never releases (or awaits) a session that did not load.
    expect(get.pending).toBeNull();
    const [a, b] = await Promise.all([get(), get()]);
    expect([a, b, await get(), calls]).toEqual([2, 2, 2, 2]);
    expect(await get.pending).toBe(2);
  });
});
