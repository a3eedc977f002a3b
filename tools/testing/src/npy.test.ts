import {describe, expect, it} from '@jest/globals';
import {parseNpy} from './npy.js';

function makeNpy(descr: string, shape: number[], body: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}

describe('parseNpy', () => {
  it('reads float32 in C order with its shape', () => {
    const values = new Float32Array([1, 2.5, -3, 4, 5, 6]);
    const npy = parseNpy(makeNpy('<f4', [2, 3], new Uint8Array(values.buffer)));
    expect(npy.shape).toEqual([2, 3]);
    expect(Array.from(npy.data)).toEqual([1, 2.5, -3, 4, 5, 6]);
  });
  it('narrows int64 to int32', () => {
    const values = new BigInt64Array([1n, -2n, 3n]);
    const npy = parseNpy(makeNpy('<i8', [3], new Uint8Array(values.buffer)));
    expect(npy.data).toBeInstanceOf(Int32Array);
    expect(Array.from(npy.data)).toEqual([1, -2, 3]);
  });
  it('rejects a file that is not .npy, and a truncated body', () => {
    expect(() => parseNpy(new Uint8Array(20), 'x.npy')).toThrow(/x.npy: not a .npy file/);
    const good = makeNpy('<f4', [4], new Uint8Array(16));
    expect(() => parseNpy(good.subarray(0, good.length - 4), 'cut.npy')).toThrow(/cut.npy: expected 16 data bytes/);
  });
});
