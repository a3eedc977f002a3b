import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {existsSync, readdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import {expectNoLeaks} from '@daek/testing';
import {decodeImage, encodeImage, imageToTensor, readImage, tensorToImage, writeImage} from './image.js';
import {randomImage, removeTemporaryFolder, temporaryFolder} from '../test/helpers.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = temporaryFolder();
});
afterAll(() => removeTemporaryFolder(dir));

describe('readImage / writeImage', () => {
  it('round-trips PNG bytes exactly and leaves no temporary file behind', async () => {
    const image = randomImage(13, 7, 1);
    const file = path.join(dir, 'sub', 'a.png');
    await writeImage(file, image);
    const back = await readImage(file);
    expect([back.width, back.height]).toEqual([13, 7]);
    expect(Buffer.compare(Buffer.from(back.data), Buffer.from(image.data))).toBe(0);
    expect(readdirSync(path.dirname(file))).toEqual(['a.png']);
  });

  it('writes the Uint8ClampedArray pixels that interpolate() returns, unchanged', async () => {
    const image = randomImage(5, 4, 3);
    const file = path.join(dir, 'clamped.png');
    await writeImage(file, {data: new Uint8ClampedArray(image.data), width: 5, height: 4});
    expect(Buffer.compare(Buffer.from((await readImage(file)).data), Buffer.from(image.data))).toBe(0);
  });

  it('overwrites a file in place and reads the new content (no decoder cache)', async () => {
    const file = path.join(dir, 'over.png');
    await writeImage(file, randomImage(4, 4, 1));
    await readImage(file);
    const second = randomImage(4, 4, 2);
    await writeImage(file, second);
    expect(Array.from((await readImage(file)).data)).toEqual(Array.from(second.data));
  });

  it('writes JPEG close to the original (lossy) and picks the format from the extension', async () => {
    const smooth = {width: 16, height: 16, data: new Uint8Array(16 * 16 * 3).map((_, i) => (i % 48) * 4)};
    const file = path.join(dir, 'b.jpg');
    await writeImage(file, smooth, {quality: 100});
    expect((await sharp(file).metadata()).format).toBe('jpeg');
    const back = await readImage(file);
    let worst = 0;
    for (let i = 0; i < back.data.length; i++) worst = Math.max(worst, Math.abs(back.data[i] - smooth.data[i]));
    expect(worst).toBeLessThan(24);
    await expect(writeImage(path.join(dir, 'c.bmp'), smooth)).rejects.toThrow(/cannot tell the image format of .*c\.bmp/);
  });

  it('converts grey and RGBA images to RGB', async () => {
    const grey = await sharp(Buffer.from([0, 100, 200, 255]), {raw: {width: 2, height: 2, channels: 1}}).png().toBuffer();
    expect(Array.from((await decodeImage(grey)).data)).toEqual([0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]);
    const rgba = await sharp(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), {raw: {width: 2, height: 1, channels: 4}}).png().toBuffer();
    expect(Array.from((await decodeImage(rgba)).data)).toEqual([1, 2, 3, 5, 6, 7]);
  });

  it('names the path of a missing or corrupt file', async () => {
    await expect(readImage(path.join(dir, 'nope.png'))).rejects.toThrow(`image not found: ${path.join(dir, 'nope.png')}`);
    const corrupt = path.join(dir, 'corrupt.png');
    const good = await encodeImage(randomImage(8, 8, 3), 'png');
    writeFileSync(corrupt, good.subarray(0, 40));
    await expect(readImage(corrupt)).rejects.toThrow(`cannot decode image ${corrupt}`);
  });

  it('leaves nothing behind when the write fails', async () => {
    const target = path.join(dir, 'is-a-folder.png');
    await writeImage(path.join(target, 'x.png'), randomImage(2, 2, 1)); // makes the folder
    await expect(writeImage(target, randomImage(2, 2, 1))).rejects.toThrow(/cannot write image .*is-a-folder\.png/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('imageToTensor / tensorToImage', () => {
  it('maps bytes to value / 255 exactly in float32 and back', async () => {
    const image = {width: 256, height: 1, data: Uint8Array.from({length: 768}, (_, i) => i % 256)};
    const t = imageToTensor(image);
    expect(t.shape).toEqual([1, 256, 3]);
    expect(t.dtype).toBe('float32');
    const values = await t.data();
    for (let i = 0; i < 768; i++) expect(values[i]).toBe(Math.fround((i % 256) / 255));
    expect(Array.from(tensorToImage(t).data)).toEqual(Array.from(image.data));
    expect(Array.from(tensorToImage(t.expandDims(0)).data)).toEqual(Array.from(image.data));
  });

  it('rounds and clamps floats, and rejects NaN and wrong shapes naming what it got', () => {
    expect(Array.from(tensorToImage(tf.tensor3d([-0.5, 0.5 / 255, 2], [1, 1, 3])).data)).toEqual([0, 1, 255]);
    expect(() => tensorToImage(tf.tensor3d([0, NaN, 0], [1, 1, 3]))).toThrow(/NaN at flat index 1/);
    expect(() => tensorToImage(tf.zeros([2, 2, 4]))).toThrow(/expected shape \[H, W, 3\] or \[1, H, W, 3\], received \[2,2,4\]/);
    expect(() => imageToTensor({width: 2, height: 2, data: new Uint8Array(5)})).toThrow(/expected 2x2x3 = 12 bytes, received 5/);
  });

  it('writes a tensor as an image', async () => {
    const file = path.join(dir, 't.png');
    const image = randomImage(5, 3, 9);
    const t = imageToTensor(image);
    await writeImage(file, t);
    expect(t.isDisposed).toBe(false);
    expect(Array.from((await readImage(file)).data)).toEqual(Array.from(image.data));
    expect(existsSync(file)).toBe(true);
  });

  it('does not leak tensors', async () => {
    const image = randomImage(6, 4, 1);
    await expectNoLeaks(() => imageToTensor(image));
    const t = imageToTensor(image);
    await expectNoLeaks(() => tensorToImage(t));
  });
});
