// The Middlebury .flo optical-flow file: the float32 magic 202021.25 ("PIEH" in ASCII), int32 width, int32 height,
// then height * width * 2 float32 (u, v interleaved, row-major), all little-endian. Read by every flow toolkit
// (Middlebury's flowIO, RAFT's frame_utils.readFlow, mmflow, cv2.readOpticalFlow).

/** The magic number that opens a .flo file (the bytes "PIEH"). */
export const FLO_MAGIC = 202021.25;

/** A dense flow field: `width * height * 2` float32, row-major, (u, v) interleaved, u = dx (+x right), v = dy (+y down). */
export interface FlowField {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** (u, v) per pixel, row-major: pixel (x, y) at offset `(y * width + x) * 2`. */
  data: Float32Array;
}

/**
 * Encode a flow field as a Middlebury .flo file (little-endian whatever the machine).
 * @throws Error when the size is not a positive integer or `data` does not hold `width * height * 2` values.
 */
export function encodeFlo(flow: FlowField): Uint8Array {
  const {width, height, data} = flow ?? {};
  if (!(Number.isInteger(width) && width >= 1 && Number.isInteger(height) && height >= 1)) {
    throw new Error(`encodeFlo: expected a positive integer width and height, received ${width}x${height}`);
  }
  if (!(data instanceof Float32Array) || data.length !== width * height * 2) {
    throw new Error(`encodeFlo: expected ${width}x${height}x2 = ${width * height * 2} float32 values, received ${
      data instanceof Float32Array ? data.length : typeof data}`);
  }
  const bytes = new Uint8Array(12 + data.length * 4);
  const view = new DataView(bytes.buffer);
  view.setFloat32(0, FLO_MAGIC, true);
  view.setInt32(4, width, true);
  view.setInt32(8, height, true);
  for (let i = 0; i < data.length; i++) view.setFloat32(12 + 4 * i, data[i], true);
  return bytes;
}

/**
 * Decode a Middlebury .flo file.
 * @throws Error when the magic number, the size or the length is wrong.
 */
export function decodeFlo(bytes: Uint8Array): FlowField {
  if (bytes.length < 12) throw new Error(`decodeFlo: a .flo file has at least 12 bytes, received ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getFloat32(0, true);
  if (magic !== FLO_MAGIC) throw new Error(`decodeFlo: not a .flo file (magic ${magic}, expected ${FLO_MAGIC})`);
  const width = view.getInt32(4, true);
  const height = view.getInt32(8, true);
  if (!(width >= 1 && height >= 1)) throw new Error(`decodeFlo: bad size ${width}x${height}`);
  const expected = 12 + width * height * 8;
  if (bytes.length !== expected) {
    throw new Error(`decodeFlo: a ${width}x${height} .flo file has ${expected} bytes, received ${bytes.length}`);
  }
  const data = new Float32Array(width * height * 2);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(12 + 4 * i, true);
  return {width, height, data};
}
