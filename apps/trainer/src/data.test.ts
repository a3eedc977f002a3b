// The data pipeline: the order of an epoch is a seeded permutation, and a resumed epoch (from any position)
// yields exactly the batches the uninterrupted epoch yields from there, augmentation included.
import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createSyntheticTriplets, type RawTriplet, type TripletDataset} from '@daek/datasets';
import {
  disposeFrames, epochOrder, holdoutRanges, openTrainSet, parseDataSource, parseDataSources, TrainData, type DataSource,
  type PositionedBatch,
} from './data.js';
import {train} from './run.js';
import {tinySettings} from '../test/helpers.js';

async function collect(data: TrainData, epoch: number, position: number): Promise<{ids: string[]; position: number; sum: number[]}[]> {
  const out = [];
  for await (const batch of data.batches(epoch, position) as AsyncGenerator<PositionedBatch>) {
    const sums = [batch.frame0, batch.gt, batch.frame1].map((t) => {
      const sum = tf.sum(t);
      const value = sum.dataSync()[0]!;
      sum.dispose();
      return value;
    });
    out.push({ids: batch.ids, position: batch.position, sum: sums});
    expect(batch.frame0.shape).toEqual([2, 64, 64, 3]);
    disposeFrames(batch);
  }
  return out;
}

describe('data', () => {
  it('parses sources', () => {
    expect(parseDataSource('synthetic', '--data')).toEqual({kind: 'synthetic'});
    expect(parseDataSource('vimeo:/a:b', '--data')).toEqual({kind: 'vimeo', path: '/a:b'});
    expect(() => parseDataSource('vimeo:', '--data')).toThrow(/expected synthetic/);
  });

  it('shuffles with a seeded permutation per epoch', () => {
    const a = epochOrder(50, 7, 0);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({length: 50}, (_, i) => i));
    expect(epochOrder(50, 7, 0)).toEqual(a);
    expect(epochOrder(50, 7, 1)).not.toEqual(a);
    expect(epochOrder(50, 8, 0)).not.toEqual(a);
  });

  it('resumes an epoch mid-way with the same batches, and drops the incomplete last one', async () => {
    const before = tf.memory().numTensors;
    const dataset = createSyntheticTriplets({seed: 3, count: 9, width: 96, height: 80});
    const data = await TrainData.create(dataset, {seed: 5, crop: 64, batch: 2});
    expect([data.length, data.stepsPerEpoch]).toEqual([9, 4]);
    const full = await collect(data, 1, 0);
    expect(full.map((b) => b.position)).toEqual([2, 4, 6, 8]);
    expect(await collect(data, 1, 4)).toEqual(full.slice(2));
    const other = await collect(data, 2, 0);
    expect(other).not.toEqual(full);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('mixed sets and held-out frames', () => {
  it('parses a comma-separated list of sources', () => {
    expect(parseDataSources('video:a.mp4, synthetic', '--data')).toEqual([{kind: 'video', path: 'a.mp4'}, {kind: 'synthetic'}]);
    expect(() => parseDataSources('synthetic,,synthetic', '--data')).toThrow(/empty entry/);
    expect(() => parseDataSources('synthetic,imagenet:/x', '--data')).toThrow(/expected synthetic/);
  });

  it('reads the frames to hold out from an evaluation manifest, with the margin', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'daek-holdout-'));
    try {
      const file = path.join(dir, 'manifest.json');
      writeFileSync(file, JSON.stringify({'a.mp4': {triplets: [{source_frames: [18, 19, 20]}, {source_frames: [40, 41, 42]}]}}));
      expect(holdoutRanges(file, 2).get('a.mp4')).toEqual([[16, 22], [38, 44]]);
      expect(holdoutRanges(file, 0).get('a.mp4')).toEqual([[18, 20], [40, 42]]);
      writeFileSync(file, JSON.stringify({'a.mp4': {triplets: [{source_frames: [1, 2]}]}}));
      expect(() => holdoutRanges(file, 2)).toThrow(/three integer source_frames/);
      expect(() => holdoutRanges(path.join(dir, 'missing.json'), 2)).toThrow(/cannot read the manifest/);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('a run refuses a video the held-out manifest does not list', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'daek-holdout-'));
    try {
      const file = path.join(dir, 'manifest.json');
      writeFileSync(file, JSON.stringify({'a.mp4': {triplets: [{source_frames: [18, 19, 20]}]}}));
      await expect(train({settings: tinySettings({data: 'synthetic,video:/nowhere/b.mp4', holdout: file}), out: path.join(dir, 'run'),
        stream: {write: () => true}}))
        .rejects.toThrow(/names no triplets of b\.mp4/);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('joins list sets and a decoded stream into one indexed set', async () => {
    const synthetic = createSyntheticTriplets({seed: 3, count: 3, width: 64, height: 64});
    const streamed = createSyntheticTriplets({seed: 4, count: 2, width: 64, height: 64});
    // A stream (no random access, like a video): only rawSamples works.
    const stream = {name: 'stream', length: undefined, read: () => Promise.reject(new Error('no random access')),
      rawSamples: () => streamed.rawSamples()} as unknown as TripletDataset;
    const parts: number[] = [];
    const set = await openTrainSet([{kind: 'synthetic'}, {kind: 'video', path: 'x.mp4'}] as DataSource[],
      (source) => source.kind === 'video' ? stream : synthetic, (part) => parts.push(part.length));
    expect(parts).toEqual([3, 2]);
    expect(set.length).toBe(5);
    const ids = async (items: Promise<RawTriplet>[]) => (await Promise.all(items)).map((r) => r.id);
    expect(await ids([0, 1, 2, 3, 4].map((i) => set.read(i))))
      .toEqual([...await ids([0, 1, 2].map((i) => synthetic.read(i))), ...await ids([0, 1].map((i) => streamed.read(i)))]);
    await expect(set.read(5)).rejects.toThrow(/outside 0\.\.4/);
    const single = await openTrainSet([{kind: 'synthetic'}], () => synthetic);
    expect(single).toBe(synthetic);
  });
});
