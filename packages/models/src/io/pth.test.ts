import {describe, expect, it} from '@jest/globals';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {deflateRawSync} from 'node:zlib';
import {readNpy} from '@daek/testing';
import {crc32} from './crc32.js';
import {readPth, type TorchTensor} from './pth.js';
import {readZipDirectory, readZipEntry} from './zip.js';

const dir = path.resolve(import.meta.dirname, '../../test/fixtures/checkpoint');
const file = (name: string) => new Uint8Array(readFileSync(path.join(dir, name)));

/** state_dict order of the fixture (parity README section 6). */
const KEYS = ['conv0.0.weight', 'conv0.0.bias', 'conv0.1.weight', 'conv1.weight', 'conv1.bias', 'up.weight', 'up.bias'];

function bits(data: Float32Array): number[] {
  return Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
}

function expectFixtureTensors(dict: Map<string, TorchTensor>, prefix = ''): void {
  expect([...dict.keys()]).toEqual(KEYS.map((k) => prefix + k));
  for (const key of KEYS) {
    const expected = readNpy(path.join(dir, `tensor_${key.replace(/\./g, '_')}.npy`));
    const actual = dict.get(prefix + key)!;
    expect(actual.dtype).toBe('float32');
    expect(actual.shape).toEqual(expected.shape);
    expect(actual.data).toBeInstanceOf(Float32Array);
    expect(bits(actual.data as Float32Array)).toEqual(bits(expected.data as Float32Array));
  }
}

/** How {@link writeZip} stores an entry: its bytes, or deflated with a declared inflated size (a lie, if asked). */
interface Deflated {
  deflate: Uint8Array;
  declaredSize?: number;
}

/** A minimal zip writer (stored or deflated entries) to build damaged variants of the fixtures. */
function writeZip(entries: [string, Uint8Array | Deflated][]): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const deflated = content instanceof Uint8Array ? null : content;
    const data = deflated ? new Uint8Array(deflateRawSync(deflated.deflate)) : content as Uint8Array;
    const crc = crc32(deflated ? deflated.deflate : data);
    const size = deflated ? deflated.declaredSize ?? deflated.deflate.length : data.length;
    const nameBytes = new TextEncoder().encode(name);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(8, deflated ? 8 : 0, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, data.length, true);
    local.setUint32(22, size, true);
    local.setUint16(26, nameBytes.length, true);
    const cd = new DataView(new ArrayBuffer(46));
    cd.setUint32(0, 0x02014b50, true);
    cd.setUint16(6, 20, true);
    cd.setUint16(10, deflated ? 8 : 0, true);
    cd.setUint32(16, crc, true);
    cd.setUint32(20, data.length, true);
    cd.setUint32(24, size, true);
    cd.setUint16(28, nameBytes.length, true);
    cd.setUint32(42, offset, true);
    chunks.push(new Uint8Array(local.buffer), nameBytes, data);
    central.push(new Uint8Array(cd.buffer), nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true);
  eocd.setUint16(8, entries.length, true);
  eocd.setUint16(10, entries.length, true);
  eocd.setUint32(12, cdSize, true);
  eocd.setUint32(16, offset, true);
  const all = [...chunks, ...central, new Uint8Array(eocd.buffer)];
  const out = new Uint8Array(all.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of all) { out.set(c, at); at += c.length; }
  return out;
}

async function entriesOf(bytes: Uint8Array): Promise<[string, Uint8Array][]> {
  const out: [string, Uint8Array][] = [];
  for (const entry of readZipDirectory(bytes).values()) out.push([entry.name, (await readZipEntry(bytes, entry)).slice()]);
  return out;
}

async function variant(edit: (entries: [string, Uint8Array][]) => [string, Uint8Array | Deflated][]): Promise<Uint8Array> {
  return writeZip(edit(await entriesOf(file('tiny.pth'))));
}

function indexOf(haystack: Uint8Array, needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

describe('readPth: torch checkpoints from the parity fixtures', () => {
  it('tiny.pth (torch 1.13 zip): every tensor bitwise equal to tensor_*.npy, in state_dict order', async () => {
    expectFixtureTensors(await readPth(file('tiny.pth')));
  });

  it('tiny_module.pth (DataParallel): the same tensors under module.* keys', async () => {
    expectFixtureTensors(await readPth(file('tiny_module.pth')), 'module.');
  });

  it('tiny_legacy.pth (pre-1.6 format): the same tensors', async () => {
    expectFixtureTensors(await readPth(file('tiny_legacy.pth')));
  });

  it('tiny_deflate.pth (entries deflate-compressed by another zip tool): the same tensors', async () => {
    expectFixtureTensors(await readPth(file('tiny_deflate.pth')));
  });

  it('accepts an ArrayBuffer and a Uint8Array view at an offset', async () => {
    const bytes = file('tiny.pth');
    expectFixtureTensors(await readPth(bytes.slice().buffer));
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expectFixtureTensors(await readPth(padded.subarray(3)));
  });
});

describe('readPth: dtypes, views and pickle protocols (make_synthetic.py)', () => {
  const expected = JSON.parse(readFileSync(path.join(dir, 'dtypes.json'), 'utf8')) as
    Record<string, {shape: number[]; dtype: string; values: (number | string)[]}>;
  const arrayType: Record<string, unknown> = {
    float32: Float32Array, float16: Float32Array, bfloat16: Float32Array, float64: Float32Array,
    int64: BigInt64Array, int32: Int32Array, int16: Int16Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array,
  };
  for (const name of ['dtypes.pth', 'dtypes_p4.pth', 'dtypes_be.pth']) {
    it(`${name}: every dtype, offset, stride, shared storage, 0-d and empty tensor`, async () => {
      const dict = await readPth(file(name));
      expect([...dict.keys()]).toEqual(Object.keys(expected));
      for (const [key, want] of Object.entries(expected)) {
        const got = dict.get(key)!;
        expect([key, got.dtype, got.shape]).toEqual([key, want.dtype, want.shape]);
        expect(got.data).toBeInstanceOf(arrayType[want.dtype]);
        const values = want.dtype === 'int64' ? want.values.map((v) => BigInt(v)) : want.values;
        expect([key, Array.from(got.data as ArrayLike<number>)]).toEqual([key, values]);
      }
      // Tensors that share a storage are independent copies.
      (dict.get('shared_window')!.data as Float32Array)[0] = 99;
      expect((dict.get('shared_base')!.data as Float32Array)[5]).toBe(3.25);
    });
  }
});

describe('readPth: errors, before anything is returned', () => {
  it('a file truncated at any offset is an error that says so', async () => {
    for (const name of ['tiny.pth', 'tiny_legacy.pth']) {
      const bytes = file(name);
      for (const cut of [1, 30, 500, 1000, 3000, bytes.length - 100, bytes.length - 23, bytes.length - 1]) {
        await expect(readPth(bytes.subarray(0, cut), {source: name})).rejects.toThrow(
            cut < 2 ? /not a PyTorch checkpoint/ : /truncated/);
      }
    }
    await expect(readPth(new Uint8Array(0))).rejects.toThrow(/not a PyTorch checkpoint \(0 bytes/);
  });

  it('flipped bytes: CRC-32 mismatch naming the entry, or a bad central directory', async () => {
    const bytes = file('tiny.pth');
    const directory = readZipDirectory(bytes);
    for (const entry of ['tiny/data/3', 'tiny/data.pkl']) {
      const damaged = bytes.slice();
      const local = directory.get(entry)!.localHeaderOffset;
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
      damaged[dataStart + 17] ^= 0x10;
      await expect(readPth(damaged, {source: 'x.pth'})).rejects.toThrow(
          new RegExp(`x\\.pth: entry ${entry.replace('.', '\\.')} fails its CRC-32 check`));
    }
    const cd = bytes.slice();
    const view = new DataView(cd.buffer);
    const eocd = cd.length - 22;
    const cdOffset = view.getUint32(eocd + 16, true);
    cd[cdOffset] ^= 0xff; // the first central header's signature
    await expect(readPth(cd)).rejects.toThrow(/bad central directory: entry 0 of 9 .* has no central header signature/);
    const name = bytes.slice();
    name[cdOffset + 46 + 6] ^= 0x01; // 'tiny/data.pkl' -> 'tiny/dat`.pkl'
    await expect(readPth(name)).rejects.toThrow(/no <archive>\/data\.pkl entry/);
    const offset = bytes.slice();
    new DataView(offset.buffer).setUint32(eocd + 16, cdOffset + 1000, true);
    await expect(readPth(offset)).rejects.toThrow(/bad central directory: it claims bytes/);
  });

  it('a damaged deflate stream is an error, never garbage', async () => {
    const bytes = file('tiny_deflate.pth');
    const entry = readZipDirectory(bytes).get('tiny/data/3')!;
    const damaged = bytes.slice();
    for (let i = 60; i < 80; i++) damaged[entry.localHeaderOffset + i] ^= 0x5a;
    await expect(readPth(damaged)).rejects.toThrow(/tiny\/data\/3.*(deflate data is corrupt|CRC-32|inflates to)/);
  });

  it('missing data.pkl, missing storage entries, TorchScript archives', async () => {
    await expect(readPth(await variant((e) => e.filter(([n]) => n !== 'tiny/data.pkl')))).rejects.toThrow(
        /no <archive>\/data\.pkl entry/);
    await expect(readPth(await variant((e) => e.filter(([n]) => n !== 'tiny/data/3' && n !== 'tiny/data/6')))).rejects.toThrow(
        /2 problems.*\n.*storage 3 is missing from the file\n.*storage 6 is missing/);
    const script = writeZip([['m/constants.pkl', new Uint8Array([0x80, 2, 0x29, 0x2e])], ['m/code/m.py', new Uint8Array(1)]]);
    await expect(readPth(script)).rejects.toThrow(/TorchScript archive/);
  });

  it('an unsupported pickle opcode is named (a pickle that would call os.system)', async () => {
    const evil = new Uint8Array([0x80, 2, ...new TextEncoder().encode('cos\nsystem\n(X\x02\x00\x00\x00lsto.')]);
    const bytes = await variant((e) => e.map(([n, d]) => [n, n === 'tiny/data.pkl' ? evil : d]));
    await expect(readPth(bytes)).rejects.toThrow(/tiny\/data\.pkl: unsupported pickle opcode OBJ/);
  });

  it('a storage or a view too short for its tensor', async () => {
    const short = await variant((e) => e.map(([n, d]) => [n, n === 'tiny/data/5' ? d.subarray(0, 100) : d]));
    await expect(readPth(short)).rejects.toThrow(/storage 5 has 100 bytes, its 512 float32 elements need 2048/);
    // up.weight's size (8,4,4,4) -> (8,5,4,4): 640 elements from a 512-element storage.
    const bigger = await variant((e) => e.map(([n, d]) => {
      if (n !== 'tiny/data.pkl') return [n, d];
      const copy = d.slice();
      const at = indexOf(copy, [0x28, 0x4b, 8, 0x4b, 4, 0x4b, 4, 0x4b, 4, 0x74]);
      copy[at + 4] = 5;
      return [n, copy];
    }));
    await expect(readPth(bigger)).rejects.toThrow(/up\.weight: shape \[8,5,4,4\].*storage 5 has 512 elements \(tensor too short/);
  });

  it('a training checkpoint: lists its keys and takes {entry}', async () => {
    const inner = (await entriesOf(file('tiny.pth'))).find(([n]) => n === 'tiny/data.pkl')![1];
    const text = (s: string) => [...new TextEncoder().encode(s)];
    const wrapped = new Uint8Array([0x80, 2, 0x7d, 0x28, 0x58, 5, 0, 0, 0, ...text('epoch'), 0x4b, 3,
      0x58, 5, 0, 0, 0, ...text('model'), ...inner.subarray(2, inner.length - 1), 0x75, 0x2e]);
    const bytes = await variant((e) => e.map(([n, d]) => [n, n === 'tiny/data.pkl' ? wrapped : d]));
    await expect(readPth(bytes)).rejects.toThrow(/not a state dict: 2 entries are not tensors: epoch \(a number\), model \(a dict\).*pass \{entry: 'model'\}/);
    expectFixtureTensors(await readPth(bytes, {entry: 'model'}));
    await expect(readPth(bytes, {entry: 'nope'})).rejects.toThrow(/no entry 'nope' \(it holds: epoch, model\)/);
  });

  it('decompression bombs: an entry larger than its storage needs, or inflating past its size, is never inflated', async () => {
    const bomb = new Uint8Array(16 << 20); // 16 MiB of zeros deflates to 16 KB
    const declared = await variant((e) => e.map(([n, d]) => [n, n === 'tiny/data/5' ? {deflate: bomb} : d]));
    expect(declared.length).toBeLessThan(100_000);
    await expect(readPth(declared, {source: 'bomb.pth'})).rejects.toThrow(
        /bomb\.pth: zip entry tiny\/data\/5 declares 16777216 bytes once inflated, but storage 5 \(512 float32 elements\) needs 2048/);
    // The directory says 2048 bytes (what the storage needs), the stream holds 16 MiB: inflation stops at 2048.
    const lying = await variant((e) => e.map(([n, d]) => [n, n === 'tiny/data/5' ? {deflate: bomb, declaredSize: 2048} : d]));
    await expect(readPth(lying, {source: 'liar.pth'})).rejects.toThrow(
        /liar\.pth: entry tiny\/data\/5 inflates to more than the 2048 bytes its directory entry declares/);
    // A pickle entry far larger than any state dict's.
    const pickle = await variant((e) => e.map(([n, d]) => [n, n === 'tiny/data.pkl' ? {deflate: d, declaredSize: 2 ** 30} : d]));
    await expect(readPth(pickle, {source: 'p.pth'})).rejects.toThrow(/p\.pth: zip entry tiny\/data\.pkl declares 1073741824 bytes/);
    // The well-formed deflated fixture still loads.
    expectFixtureTensors(await readPth(file('tiny_deflate.pth')));
  });

  it('caps the total inflated size (maxBytes) and names the entry that crosses it', async () => {
    await expect(readPth(file('tiny_deflate.pth'), {source: 'tiny_deflate.pth', maxBytes: 1000})).rejects.toThrow(
        /tiny_deflate\.pth: zip entry tiny\/data\/\d+ would bring the checkpoint to \d+ bytes, over the 1000-byte cap \(maxBytes\)/);
    await expect(readPth(file('tiny.pth'), {maxBytes: 0})).rejects.toThrow(/maxBytes: expected a positive integer/);
  });

  it('not a checkpoint at all', async () => {
    await expect(readPth(file('x.npy'))).rejects.toThrow(/not a PyTorch checkpoint \(1280 bytes starting 93 4e 55 4d/);
    await expect(readPth(new Uint8Array([0x80, 2, 0x4b, 1, 0x2e]))).rejects.toThrow(/not a torch checkpoint/);
  });
});
