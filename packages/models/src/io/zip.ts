// A small zip reader for torch's checkpoint container: central directory (zip64 too), stored entries read in
// place, deflated entries through the platform's inflate, every entry checked against its CRC-32.
import {crc32} from './crc32.js';

/** One file of a zip archive, as its central directory describes it. */
export interface ZipEntry {
  /** Path inside the archive (`archive/data/0`). */
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  /** CRC-32 of the uncompressed bytes. */
  crc32: number;
  /** Bytes as stored. */
  compressedSize: number;
  /** Bytes once inflated. */
  size: number;
  /** Offset of the entry's local header. */
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function fail(source: string, message: string): never {
  throw new Error(`${source}: ${message}`);
}

function u64(view: DataView, offset: number): number {
  const value = view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 2 ** 32;
  if (!Number.isSafeInteger(value)) throw new RangeError('zip64 value beyond 2^53');
  return value;
}

/**
 * The entries of a zip archive, from its central directory. Throws a message naming the problem for a
 * truncated file, a missing or inconsistent central directory, or an encrypted entry.
 * @param source name of the input for messages.
 */
export function readZipDirectory(bytes: Uint8Array, source = 'zip'): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  // The end-of-central-directory record is the last 22 bytes plus a comment of at most 65535 bytes.
  let eocd = -1;
  const lowest = Math.max(0, n - 22 - 65535);
  for (let i = n - 22; i >= lowest; i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    fail(source, `no zip end-of-central-directory record in ${n} bytes: the file is truncated or not a zip archive ` +
      '(download it again; a torch >= 1.6 .pth is a zip file).');
  }
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR) {
      fail(source, 'bad central directory: zip64 sizes announced but no zip64 locator found (corrupt file).');
    }
    const record = u64(view, locator + 8);
    if (record + 56 > n || view.getUint32(record, true) !== ZIP64_EOCD) {
      fail(source, `bad central directory: no zip64 end record at offset ${record} (corrupt or truncated file).`);
    }
    count = u64(view, record + 32);
    cdSize = u64(view, record + 40);
    cdOffset = u64(view, record + 48);
  }
  if (cdOffset + cdSize > eocd) {
    fail(source, `bad central directory: it claims bytes ${cdOffset}..${cdOffset + cdSize} but the end record is at ` +
      `${eocd} (the file is truncated or corrupt).`);
  }
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder('utf-8');
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cdOffset + cdSize || view.getUint32(p, true) !== CENTRAL) {
      fail(source, `bad central directory: entry ${k} of ${count} at offset ${p} has no central header signature ` +
        '(corrupt file).');
    }
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const end = p + 46 + nameLength + extraLength + commentLength;
    if (end > cdOffset + cdSize) fail(source, `bad central directory: entry ${k} runs past the directory's end.`);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLength));
    // zip64 extended information: the 64-bit values replace the 32-bit fields that hold 0xffffffff, in order.
    let q = p + 46 + nameLength;
    const extraEnd = q + extraLength;
    while (q + 4 <= extraEnd) {
      const id = view.getUint16(q, true);
      const length = view.getUint16(q + 2, true);
      if (id === 0x0001) {
        let r = q + 4;
        if (size === 0xffffffff) { size = u64(view, r); r += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = u64(view, r); r += 8; }
        if (localHeaderOffset === 0xffffffff) { localHeaderOffset = u64(view, r); }
      }
      q += 4 + length;
    }
    if (flags & 1) fail(source, `entry ${name} is encrypted; .pth files never are (corrupt or not a checkpoint).`);
    if (entries.has(name)) fail(source, `bad central directory: entry ${name} appears twice.`);
    entries.set(name, {name, method, crc32: crc, compressedSize, size, localHeaderOffset});
    p = end;
  }
  return entries;
}

/** Thrown when an entry inflates past the size its directory entry declares. */
class TooLarge extends Error {}

/** Read a decompression stream, stopping as soon as it yields more than `maxBytes`. */
async function readCapped(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new TooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) { out.set(chunk, at); at += chunk.length; }
  return out;
}

/**
 * Raw-deflate decompression through the Compression Streams API (browsers, Node >= 20.19). Never
 * produces more than `maxBytes` (the size the directory declares): a stream that would is refused.
 */
async function inflateRaw(data: Uint8Array, what: string, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new Error(`${what} inflates to more than the ${maxBytes} bytes its directory entry declares ` +
    '(a decompression bomb or a corrupt file); it was not inflated further.');
  if (typeof DecompressionStream !== 'undefined') {
    try {
      const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
      return await readCapped(stream as ReadableStream<Uint8Array>, maxBytes);
    } catch (error) {
      if (error instanceof TooLarge) throw tooLarge();
      throw new Error(`${what}: its deflate data is corrupt (${(error as Error).message}).`);
    }
  }
  // Node >= 20.19 (this package's engines) and every current browser have DecompressionStream('deflate-raw'),
  // so there is no Node zlib fallback: the browser entry imports nothing from node:*.
  throw new Error(`${what} is deflate-compressed and this platform has no DecompressionStream('deflate-raw') ` +
    '(Node >= 20.19 and current browsers have it); re-save the checkpoint with torch.save (it stores entries ' +
    'uncompressed), or use a newer runtime.');
}

/**
 * The uncompressed bytes of one entry, checked against its size and CRC-32. Stored entries are returned as a
 * view into `bytes` (no copy); deflated ones are never inflated past the size the directory declares (check
 * `entry.size` before calling this to refuse an entry that declares too much).
 */
export async function readZipEntry(bytes: Uint8Array, entry: ZipEntry, source = 'zip'): Promise<Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  const what = `${source}: entry ${entry.name}`;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL) {
    throw new Error(`${what} has no local header at offset ${at} (the file is truncated or corrupt).`);
  }
  // The local header's own name and extra lengths decide where the data starts: torch pads entries to 64 bytes
  // with a local-only extra field, so the central directory's lengths differ.
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) {
    throw new Error(`${what} needs bytes ${start}..${end} but the file has ${bytes.length}: the file is truncated ` +
      '(download it again).');
  }
  let data: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw new Error(`${what}: stored entry with two different sizes (corrupt).`);
    data = bytes.subarray(start, end);
  } else if (entry.method === 8) {
    data = await inflateRaw(bytes.subarray(start, end), what, entry.size);
    if (data.length !== entry.size) {
      throw new Error(`${what} inflates to ${data.length} bytes, the directory says ${entry.size} (corrupt).`);
    }
  } else {
    throw new Error(`${what} uses zip compression method ${entry.method}; only stored (0) and deflate (8) are ` +
      'supported. Re-save the checkpoint with torch.save.');
  }
  const actual = crc32(data);
  if (actual !== entry.crc32) {
    throw new Error(`${what} fails its CRC-32 check (${actual.toString(16)} != ${entry.crc32.toString(16)}): the file ` +
      'is corrupt (download it again).');
  }
  return data;
}
