import {readFile} from 'node:fs/promises';
import path from 'node:path';
import sharp, {type OutputInfo} from 'sharp';
import {writeFileAtomic} from './write-file.js';
import {checkRgbImage, imageToTensor, tensorToImage, type RgbImage} from './rgb-image.js';
import * as tf from '@tensorflow/tfjs';

// The decoder-free part lives in rgb-image.ts (browser-clean); re-exported for this module's importers.
export {checkRgbImage, imageToTensor, tensorToImage};
export type {RgbImage};

/** Options of {@link writeImage} and {@link encodeImage}. */
export interface EncodeOptions {
  /** JPEG quality 1-100 (default 95). Ignored for PNG. */
  quality?: number;
}

/** Image formats this package writes. */
export type ImageFormat = 'png' | 'jpeg';

/**
 * Decode PNG or JPEG bytes (anything libvips reads) to 8-bit RGB. Grey images become RGB, an alpha
 * channel is dropped, 16-bit images are reduced to 8 bits. EXIF orientation is not applied: frames are
 * returned as stored, as datasets expect.
 *
 * @param bytes the encoded file.
 * @param source a name for error messages, usually the path.
 */
export async function decodeImage(bytes: Uint8Array, source = '<buffer>'): Promise<RgbImage> {
  let decoded: {data: Buffer; info: OutputInfo};
  try {
    decoded = await sharp(bytes).removeAlpha().toColourspace('srgb').raw({depth: 'uchar'})
        .toBuffer({resolveWithObject: true});
  } catch (error) {
    throw new Error(`cannot decode image ${source}: ${(error as Error).message}`);
  }
  const {data, info} = decoded;
  if (info.channels !== 3) {
    throw new Error(`cannot decode image ${source}: expected 3 channels after conversion, got ${info.channels}`);
  }
  return {data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height};
}

/**
 * Read an image file (PNG, JPEG, ...) as 8-bit RGB. The file is read with `fs` and decoded from
 * memory, so a file rewritten in place is never served from a decoder cache.
 *
 * @throws Error naming the path when the file is missing or cannot be decoded.
 */
export async function readImage(file: string): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`image not found: ${file}`);
    throw new Error(`cannot read image ${file}: ${(error as Error).message}`);
  }
  return decodeImage(bytes, file);
}

/** The format a file name asks for, from its extension. */
export function formatOfPath(file: string): ImageFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  throw new Error(`cannot tell the image format of ${file}: expected a .png, .jpg or .jpeg extension, received '${ext}'`);
}

/** RGB bytes in a canvas-style `Uint8ClampedArray` (as @daek/models' `interpolate` returns pixel frames). */
export interface ClampedRgb {
  /** Interleaved RGB bytes, row-major, `width·height·3` long. */
  data: Uint8ClampedArray;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/** A view of clamped bytes as a Uint8Array (no copy); other images pass through. */
function asUint8(image: RgbImage | ClampedRgb): RgbImage {
  const {data} = image;
  if (!(data instanceof Uint8ClampedArray)) return image as RgbImage;
  return {data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: image.width, height: image.height};
}

/**
 * Encode an 8-bit image (or a tensor, see {@link tensorToImage}) as PNG or JPEG bytes. RGB bytes in a
 * `Uint8ClampedArray` (what `interpolate` from @daek/models returns for pixel frames) are accepted as they are.
 */
export async function encodeImage(image: RgbImage | tf.Tensor | ClampedRgb, format: ImageFormat,
    options: EncodeOptions = {}): Promise<Buffer> {
  const rgb = image instanceof tf.Tensor ? tensorToImage(image) : asUint8(image);
  checkRgbImage(rgb, 'encodeImage(image)');
  const pipeline = sharp(rgb.data, {raw: {width: rgb.width, height: rgb.height, channels: 3}});
  if (format === 'png') return pipeline.png().toBuffer();
  if (format === 'jpeg') {
    const quality = options.quality ?? 95;
    if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
      throw new Error(`encodeImage: expected options.quality an integer in 1..100, received ${quality}`);
    }
    return pipeline.jpeg({quality}).toBuffer();
  }
  throw new Error(`encodeImage: expected format 'png' or 'jpeg', received '${String(format)}'`);
}

/**
 * Write an image to `file` (format from the extension: .png, .jpg, .jpeg). The bytes go to a temporary
 * file beside it, which is then renamed, so a reader never sees a half-written image. Parent folders
 * are created. Tensors are converted as in {@link tensorToImage} and not disposed.
 */
export async function writeImage(file: string, image: RgbImage | tf.Tensor | ClampedRgb, options: EncodeOptions = {}): Promise<void> {
  const bytes = await encodeImage(image, formatOfPath(file), options);
  await writeFileAtomic(file, bytes, undefined, 'image');
}
