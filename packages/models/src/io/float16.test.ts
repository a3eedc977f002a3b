import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {crc32, crc32Hex} from './crc32.js';
import {decodeBfloat16, decodeFloat16, encodeFloat16, float16BitsToFloat32, float32ToFloat16Bits} from './float16.js';

describe('float16', () => {
  it('every finite half round-trips bit-exactly through float32', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const exponent = (h >>> 10) & 0x1f;
      if (exponent === 0x1f && (h & 0x3ff)) continue; // NaN payloads
      if (float32ToFloat16Bits(float16BitsToFloat32(h)) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds to nearest, ties to even, like numpy (normal, subnormal, overflow, underflow)', () => {
    const cases: [number, number][] = [
      [1 + 2 ** -11, 0x3c00], // halfway between 1 and 1+2^-10: even (1)
      [1 + 3 * 2 ** -11, 0x3c02], // halfway between 1+2^-10 and 1+2^-9: even (1+2^-9)
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above halfway
      [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00], [-1e6, 0xfc00], // 65520 rounds up to Infinity
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [2 ** -25 * 1.0001, 0x0001], [3 * 2 ** -25, 0x0002], // subnormal ties
      [2 ** -14, 0x0400], [2 ** -14 - 2 ** -25, 0x0400], // rounds up into the normal range
      [-0, 0x8000], [1e-10, 0], [Infinity, 0x7c00], [-Infinity, 0xfc00],
    ];
    for (const [value, bits] of cases) expect([value, float32ToFloat16Bits(value)]).toEqual([value, bits]);
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN)))).toBe(true);
  });

  it('rounding error is at most half a float16 ulp (relative 2^-11) on random values', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const values = Float32Array.from({length: 20000}, () => (random() * 2 - 1) * 10 ** (random() * 8 - 4));
    const decoded = decodeFloat16(encodeFloat16(values));
    const wrong: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const bound = Math.max(Math.abs(v) * 2 ** -11, 2 ** -25);
      if (!(Math.abs(decoded[i]! - v) <= bound)) wrong.push(v);
    }
    expect(wrong).toEqual([]);
  });

  it('our encoding decodes identically with tf.io.decodeWeights (quantization {dtype: float16})', () => {
    const values = Float32Array.from([0, -0, 1, -2.5, 3.14159, 1e-6, 65504, -0.1, 12345.678]);
    const bits = encodeFloat16(values);
    const decoded = tf.io.decodeWeights(bits.buffer as ArrayBuffer, [{name: 'w', shape: [9], dtype: 'float32',
      quantization: {dtype: 'float16'}}]);
    expect(Array.from(decoded.w!.dataSync())).toEqual(Array.from(decodeFloat16(bits)));
    tf.dispose(decoded);
  });

  it('bfloat16 is the top half of a float32', () => {
    expect(Array.from(decodeBfloat16(Uint16Array.from([0x3f80, 0xc049, 0x0000, 0x8000, 0x7f80]))))
        .toEqual([1, -3.140625, 0, -0, Infinity]);
  });
});

describe('crc32', () => {
  it('matches the standard check value and continues across chunks', () => {
    const text = new TextEncoder().encode('123456789');
    expect(crc32Hex(crc32(text))).toBe('cbf43926');
    const long = Uint8Array.from({length: 1000}, (_, i) => (i * 31) & 0xff);
    expect(crc32(long.subarray(333), crc32(long.subarray(0, 333)))).toBe(crc32(long));
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
