// Decoding the frames the user gives (files, URLs) into RGBA pixels, with errors a person can act on.

/** Decoded RGBA pixels. */
export interface Rgba {
  /** RGBA bytes, row-major. */
  data: Uint8ClampedArray;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** An error meant for the page, not the console: the message says what is wrong and what to do. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Largest side accepted: larger frames would exhaust wasm's 4 GiB heap on the all-pairs correlation. */
export const MAX_SIDE = 2048;

async function blobOf(source: string | Blob, label: string): Promise<{blob: Blob; name: string}> {
  if (typeof source !== 'string') return {blob: source, name: source instanceof File ? `'${source.name}'` : 'the file'};
  let response: Response;
  try {
    response = await fetch(source);
  } catch (error) {
    throw new InputError(`${label}: could not fetch ${source} (${(error as Error).message}). Check the URL; another ` +
      'origin must send CORS and Cross-Origin-Resource-Policy headers.');
  }
  if (!response.ok) throw new InputError(`${label}: HTTP ${response.status} fetching ${source}.`);
  return {blob: await response.blob(), name: source.split('/').pop() ?? source};
}

/** Decode an image file, blob or URL into RGBA bytes (no colour conversion, no resizing). */
export async function decodeImage(source: string | Blob, label: string): Promise<Rgba> {
  const {blob, name} = await blobOf(source, label);
  if (blob.type && !blob.type.startsWith('image/')) {
    throw new InputError(`${label}: ${name} is not an image (its type is ${blob.type}). Pick a PNG, JPEG or WebP file.`);
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, {colorSpaceConversion: 'none', premultiplyAlpha: 'none'});
  } catch {
    throw new InputError(`${label}: ${name} is not an image this browser can decode` +
      `${blob.type ? ` (type ${blob.type})` : ''}. Pick a PNG, JPEG or WebP file.`);
  }
  const {width, height} = bitmap;
  if (width > MAX_SIDE || height > MAX_SIDE) {
    bitmap.close();
    throw new InputError(`${label}: ${name} is ${width}×${height}; the playground takes sides up to ${MAX_SIDE} ` +
      'pixels (scale it down first: nothing is resized here).');
  }
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', {willReadFrequently: true})!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const {data} = context.getImageData(0, 0, width, height, {colorSpace: 'srgb'});
  return {data, width, height};
}

/** Decode both frames and check that they can be interpolated together. */
export async function decodePair(frame0: string | Blob, frame1: string | Blob): Promise<[Rgba, Rgba]> {
  const [a, b] = await Promise.all([decodeImage(frame0, 'Frame 0'), decodeImage(frame1, 'Frame 1')]);
  if (a.width !== b.width || a.height !== b.height) {
    throw new InputError(`The frames differ in size: frame 0 is ${a.width}×${a.height}, frame 1 is ${b.width}×${b.height}. ` +
      'Both frames must be the same size (nothing is resized); crop or scale one of them first.');
  }
  return [a, b];
}

/** The frame average (1−t)·frame0 + t·frame1, rounded: the baseline the compare slider shows. */
export function averageFrames(a: Rgba, b: Rgba, t: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (i & 3) === 3 ? 255 : Math.round((1 - t) * a.data[i]! + t * b.data[i]!);
  return out;
}
