import {describe, expect, it} from '@jest/globals';
import {opcodeName, PyGlobal, PyObject, unpickle} from './pickle.js';

/** Bytes from numbers (bytes) and strings (latin-1). */
function bytes(...parts: (number | string)[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'number') out.push(part);
    else for (const c of part) out.push(c.charCodeAt(0));
  }
  return Uint8Array.from(out);
}

const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

describe('unpickle', () => {
  it('reads protocol 2 containers, ints, floats, strings and the memo', () => {
    // {'a': [1, -2, 300, 70000, 1.5, None, True, 'é'], 'b': (x, x)} with x memoised.
    const pickle = bytes(0x80, 2, '}', 'q', 0, '(',
        'X', ...u32(1), 'a', ']', 'q', 1, '(', 'K', 1, 'J', ...u32(-2 >>> 0), 'M', 0x2c, 0x01, 'J', ...u32(70000),
        'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 'N', 0x88, 'X', ...u32(2), 0xc3, 0xa9, 'e',
        'X', ...u32(1), 'b', 'h', 1, 'h', 1, 0x86, 'u', '.');
    const {value, end} = unpickle(pickle);
    expect(end).toBe(pickle.length);
    const map = value as Map<string, unknown>;
    expect(map.get('a')).toEqual([1, -2, 300, 70000, 1.5, null, true, 'é']);
    const b = map.get('b') as unknown[];
    expect(b[0]).toBe(b[1]); // the memo returns the same object
  });

  it('decodes LONG1 as a number when safe and as a BigInt beyond 2^53', () => {
    expect(unpickle(bytes(0x80, 2, 0x8a, 2, 0xff, 0x7f, '.')).value).toBe(32767);
    expect(unpickle(bytes(0x80, 2, 0x8a, 1, 0xff, '.')).value).toBe(-1);
    expect(unpickle(bytes(0x80, 2, 0x8a, 0, '.')).value).toBe(0);
    expect(unpickle(bytes(0x80, 2, 0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x80, '.')).value).toBe(-(2n ** 63n));
  });

  it('reads protocol 0 text opcodes (INT, LONG, FLOAT, GLOBAL, PUT/GET)', () => {
    const pickle = bytes('(', 'I42\n', 'I01\n', 'L12345678901234567890L\n', 'F0.25\n', 'p0\n', 'g0\n', 'l', '.');
    expect(unpickle(pickle).value).toEqual([42, true, 12345678901234567890n, 0.25, 0.25]);
  });

  it('keeps unknown globals inert and calls only the resolved ones', () => {
    const pickle = bytes(0x80, 2, 'c', 'numpy\nscalar\n', ')', 'R', '}', 'b', '.');
    const value = unpickle(pickle).value as PyObject;
    expect(value).toBeInstanceOf(PyObject);
    expect(value.callable).toEqual(new PyGlobal('numpy', 'scalar'));
    expect(value.state).toBeInstanceOf(Map);
    const called = unpickle(pickle, {findClass: (m, n) => ({qualifiedName: `${m}.${n}`, call: (args: unknown[]) => `built ${args.length}`})});
    expect(called.value).toBe('built 0');
  });

  it('resolves persistent ids through the hook', () => {
    const pickle = bytes(0x80, 2, 'X', ...u32(3), 'abc', 0x85, 'Q', '.');
    expect(unpickle(pickle, {persistentLoad: (pid) => ({pid})}).value).toEqual({pid: ['abc']});
    expect(() => unpickle(pickle)).toThrow(/persistent id/);
  });

  it('names unsupported opcodes and describes corrupt input', () => {
    expect(() => unpickle(bytes(0x80, 2, 'i', 'os\nsystem\n', '.'), {}, 'data.pkl')).toThrow(
        /data\.pkl: unsupported pickle opcode INST .*at byte 2/);
    expect(() => unpickle(bytes(0x80, 2, 0x82, 1, '.'))).toThrow(/unsupported pickle opcode EXT1/);
    expect(() => unpickle(bytes(0x80, 2, 0xff))).toThrow(/byte 0xff is not a pickle opcode/);
    expect(() => unpickle(bytes(0x80, 2, '.'))).toThrow(/stack underflow/);
    expect(() => unpickle(bytes(0x80, 2, 't', '.'))).toThrow(/no MARK/);
    expect(() => unpickle(bytes(0x80, 2, 'h', 5, '.'))).toThrow(/memo key 5 was never stored/);
    expect(() => unpickle(bytes(0x80, 2, 'X', ...u32(100), 'ab'))).toThrow(/truncated: 100 more bytes needed, 2 left/);
    expect(() => unpickle(bytes(0x80, 2, 'K'))).toThrow(/truncated/);
    expect(() => unpickle(bytes(0x80, 9, '.'))).toThrow(/protocol 9/);
    expect(opcodeName(0x93)).toBe('STACK_GLOBAL');
  });
});
