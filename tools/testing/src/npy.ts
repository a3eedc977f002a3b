import {readFileSync} from 'node:fs';

/** Typed array kinds a `.npy` file decodes to. */
export type NpyData = Float32Array | Float64Array | Int32Array | Uint8Array;

/** A decoded NumPy array. */
export interface NpyArray {
  /** NumPy dtype string from the header, for example `<f4`. */
  descr: string;
  /** Shape in C order. */
  shape: number[];
  /** Values in C order; int64 is narrowed to Int32Array (throws if a value does not fit). */
  data: NpyData;
}

/**
 * Parse a NumPy `.npy` file (format 1.0/2.0/3.0, C order, little-endian). Supports `<f4`, `<f8`,
 * `<i4`, `<i8`, `|u1` and `|b1`.
 */
export function parseNpy(bytes: Uint8Array, source = '<buffer>'): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) {
    throw new Error(`${source}: not a .npy file (missing the \\x93NUMPY magic bytes)`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr == null || fortran == null || shapeText == null) throw new Error(`${source}: malformed .npy header: ${header}`);
  if (fortran === 'True') throw new Error(`${source}: Fortran-order arrays are not supported`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLength;
  // Copy (Buffer.slice would share a pooled, unaligned ArrayBuffer): aligned, and owned by the result.
  const body = Uint8Array.prototype.slice.call(bytes, start);
  const expectBytes = (n: number) => {
    if (body.byteLength !== count * n) {
      throw new Error(`${source}: expected ${count * n} data bytes for shape [${shape}] ${descr}, found ${body.byteLength}`);
    }
  };
  let data: NpyData;
  switch (descr) {
    case '<f4': expectBytes(4); data = new Float32Array(body.buffer, 0, count); break;
    case '<f8': expectBytes(8); data = new Float64Array(body.buffer, 0, count); break;
    case '<i4': expectBytes(4); data = new Int32Array(body.buffer, 0, count); break;
    case '<i8': {
      expectBytes(8);
      const wide = new BigInt64Array(body.buffer, 0, count);
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = Number(wide[i]);
        if (v !== (v | 0)) throw new Error(`${source}: int64 value ${wide[i]} does not fit in int32`);
        data[i] = v;
      }
      break;
    }
    case '|u1': case '|b1': expectBytes(1); data = body; break;
    default: throw new Error(`${source}: unsupported dtype ${descr}`);
  }
  return {descr, shape, data};
}

/** Read and parse a `.npy` file from disk. */
export function readNpy(path: string): NpyArray {
  return parseNpy(readFileSync(path), path);
}
