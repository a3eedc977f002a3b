// The ONNX Runtime session: named errors for corrupt, truncated and foreign files; the provider it reports.
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {DAEK, IFNet, resolveDaekConfig} from '@daek/models';
import {exportOnnx} from '../export_onnx.js';
import {GraphBuilder, imageValueInfo} from '../graph/builder.js';
import {IR_VERSION, onnx, OPSET} from '../proto.js';
import {isOutOfMemory, OnnxBackendUnavailableError, OnnxModelError, OnnxOutOfMemoryError} from './errors.js';
import {createOnnxSession} from './session.js';

let bytes: Uint8Array;

beforeAll(async () => {
  await tf.setBackend('cpu');
  // A narrow IFNet keeps the file small; the checks do not depend on the network.
  const net = new IFNet({widths: [16, 16, 16], teacherWidth: 0});
  try {
    bytes = await exportOnnx(net);
  } finally {
    net.dispose();
  }
});

afterAll(() => undefined);

/** A valid ONNX file of another model: y = Identity(x). */
function otherModel(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.reserve('x');
  g.output(g.op('Relu', [x]), 'y');
  return onnx.ModelProto.encode(onnx.ModelProto.create({irVersion: IR_VERSION, opsetImport: [{domain: '', version: OPSET}],
    graph: g.graph('other', [imageValueInfo(x, 3)], [imageValueInfo('y', 3)])})).finish();
}

describe('createOnnxSession', () => {
  it('runs without the memory arena on request, with the same numbers, and says so', async () => {
    const [withArena, without] = await Promise.all([createOnnxSession(bytes, {threads: 1}),
      createOnnxSession(bytes, {threads: 1, memoryArena: false})]);
    try {
      expect(without.description).toBe('onnxruntime-node cpu, 1 thread (no memory arena)');
      const [b, h, w] = [1, 32, 64];
      const frame = Float32Array.from({length: b * 3 * h * w}, (_, i) => (i % 97) / 97);
      const other = Float32Array.from(frame, (v) => 1 - v);
      const [x, y] = [await withArena.run(frame, other, {batch: b, height: h, width: w}),
        await without.run(frame, other, {batch: b, height: h, width: w})];
      expect(Array.from(y.merged)).toEqual(Array.from(x.merged));
      // The frame alone is the same frame.
      expect(Array.from(await without.runFrame(frame, other, {batch: b, height: h, width: w}))).toEqual(Array.from(x.merged));
    } finally {
      await withArena.release();
      await without.release();
    }
  });

  it('loads an exported model on onnxruntime-node and reports what runs', async () => {
    const session = await createOnnxSession(bytes, {threads: 1});
    try {
      expect(session.runtime).toBe('onnxruntime-node');
      expect(session.executionProvider).toBe('cpu');
      expect(session.threads).toBe(1);
      expect(session.description).toBe('onnxruntime-node cpu, 1 thread');
      expect(session.info).toMatchObject({model: 'ifnet', precision: 'float32', opset: 17});
      const [b, h, w] = [1, 32, 64];
      const frame = new Float32Array(b * 3 * h * w).fill(0.5);
      const out = await session.run(frame, frame, {batch: b, height: h, width: w});
      expect(out.merged.length).toBe(b * 3 * h * w);
      expect(out.flow.length).toBe(b * 4 * h * w);
      expect(out.mask.length).toBe(b * h * w);
      await expect(session.run(frame, frame.subarray(1), {batch: b, height: h, width: w})).rejects.toThrow(/must hold 6144 values/);
    } finally {
      await session.release();
    }
  });

  it('runs on onnxruntime-web (wasm) too, with the same numbers, and says why it is not WebGPU', async () => {
    const [b, h, w] = [1, 32, 64];
    const frame0 = Float32Array.from({length: b * 3 * h * w}, (_, i) => (i % 89) / 89);
    const frame1 = Float32Array.from({length: b * 3 * h * w}, (_, i) => ((i + 5) % 89) / 89);
    const outputs: {merged: Float32Array}[] = [];
    for (const runtime of ['node', 'web'] as const) {
      const session = await createOnnxSession(bytes, {runtime, threads: 1});
      try {
        if (runtime === 'web') {
          expect(session.description).toBe('onnxruntime-web wasm, 1 thread (wasm because navigator.gpu does not exist ' +
            '(no WebGPU in this environment))');
        }
        outputs.push(await session.run(frame0, frame1, {batch: b, height: h, width: w}));
      } finally {
        await session.release();
      }
    }
    let diff = 0;
    outputs[0]!.merged.forEach((v, i) => { diff = Math.max(diff, Math.abs(v - outputs[1]!.merged[i]!)); });
    expect(diff).toBeLessThan(1e-5);
  });

  it('defaults to the physical cores', async () => {
    const {physicalCores} = await import('./cores_node.js');
    const session = await createOnnxSession(bytes);
    try {
      expect(session.threads).toBe(physicalCores());
    } finally {
      await session.release();
    }
  });

  it('refuses random bytes as corrupt', async () => {
    const junk = Uint8Array.from({length: 4096}, (_, i) => (i * 2654435761) >>> 24);
    const error = await createOnnxSession(junk, {name: 'junk.onnx'}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxModelError);
    expect((error as OnnxModelError).problem).toBe('corrupt');
    expect((error as Error).message).toMatch(/junk\.onnx .*corrupt or truncated/);
  });

  it.each([0.5, 0.999])('refuses a file truncated to %p of its length', async (fraction) => {
    const cut = bytes.subarray(0, Math.floor(bytes.length * fraction));
    const error = await createOnnxSession(cut, {name: 'cut.onnx'}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxModelError);
    expect((error as OnnxModelError).problem).toBe('corrupt');
  });

  it('refuses an .onnx of another model by name', async () => {
    const error = await createOnnxSession(otherModel(), {name: 'other.onnx'}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxModelError);
    expect((error as OnnxModelError).problem).toBe('not-daek');
    expect((error as Error).message).toMatch(/other\.onnx is an ONNX model of another network \(inputs \[x\], outputs \[y\]\)/);
  });

  it('never replaces an explicit provider', async () => {
    await expect(createOnnxSession(bytes, {executionProvider: 'webgpu'})).rejects.toThrow(OnnxBackendUnavailableError);
    await expect(createOnnxSession(bytes, {runtime: 'web', executionProvider: 'webgpu'})).rejects.toThrow(
      /'webgpu' is not available: navigator.gpu does not exist/);
    await expect(createOnnxSession(bytes, {threads: 0})).rejects.toThrow(/threads: expected an integer >= 1/);
  });

  it('names running out of memory, with the size tried and the ways out', () => {
    expect(isOutOfMemory(new Error('std::bad_alloc'))).toBe(true);
    expect(isOutOfMemory(new Error('Failed to allocate memory for requested buffer of size 123'))).toBe(true);
    expect(isOutOfMemory(new Error('RuntimeError: Aborted(). Build with -sASSERTIONS for more info.'))).toBe(true);
    expect(isOutOfMemory(new Error('Invalid rank for input: img0'))).toBe(false);
    const error = new OnnxOutOfMemoryError({batch: 1, height: 2176, width: 3840}, new Error('std::bad_alloc'));
    expect(error.name).toBe('OnnxOutOfMemoryError');
    expect(error.message).toMatch(/1x3x2176x3840 input \(std::bad_alloc\)\. Ways out: .*tiles.*memory-light.*engine: 'tfjs'/);
  });
});

describe('exportOnnx input checks', () => {
  it('refuses what it cannot export', async () => {
    await expect(exportOnnx({} as DAEK)).rejects.toThrow(/expected a DAEK or IFNet network/);
    const net = new DAEK(resolveDaekConfig('daek-s'));
    net.dispose();
    await expect(exportOnnx(net)).rejects.toThrow(/disposed/);
    const live = new IFNet({widths: [16, 16, 16], teacherWidth: 0});
    try {
      await expect(exportOnnx(live, {precision: 'int8' as 'float16'})).rejects.toThrow(/precision must be/);
    } finally {
      live.dispose();
    }
  });
});
