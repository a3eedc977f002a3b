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
  /** A session that records its runs and returns a constant frame, a zero flow and a half mask (no frame-only runs). */
  function networkSession(value: number, sizes: number[][]): OnnxSession {
    return {
      info: {} as OnnxSession['info'], runtime: 'onnxruntime-node', executionProvider: 'cpu', threads: 1, description: 'fake',
      async run(_a, _b, {batch, height, width}) {
        sizes.push([height, width]);
        const plane = batch * height * width;
        return {merged: new Float32Array(3 * plane).fill(value), flow: new Float32Array(4 * plane), mask: new Float32Array(plane).fill(0.5)};
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
    const executor = sessionExecutor(networkSession(0.25, mainRuns), {lowMemory: async () => networkSession(0.75, lowRuns)},
      {steps: [1], window: 1});
    expect(executor.description).toBe('fake, flow search refinement (steps 1; window 1)');
    // Black frames: every warp is 0, so the refined frame is clamp(0 + merged − 0) = the network's frame.
    const run = async (h: number, w: number) => {
      const frame = tf.zeros([1, h, w, 3]) as tf.Tensor4D;
      const out = await executor.run(frame, frame);
      const data = await out.data();
      tf.dispose([frame, out]);
      return [data[0], data[data.length - 1]];
    };
    expect(await run(32, 48)).toEqual([0.25, 0.25]);
    expect(await run(1104, 1920)).toEqual([0.75, 0.75]);
    expect(mainRuns).toEqual([[32, 48]]);
    expect(lowRuns).toEqual([[1104, 1920]]);
    await executor.dispose();
    expect(lowRuns.at(-1)).toEqual([-1]);
  }, 60_000);

  it('checks the options by name', () => {
    expect(() => sessionExecutor({description: 'fake'} as OnnxSession, {}, {window: 2}))
      .toThrow(/^sessionExecutor: refine: window: expected an odd integer >= 1/);
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
