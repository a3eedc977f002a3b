import {beforeAll, describe, expect, it, jest} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {expectNoLeaks} from '@daek/testing';
import {disposeBatch} from './batch.js';
import {createDataset, SampleError, type ListSource, type PassSummary, type SkippedSample, type StreamItem, type TripletDataset} from './dataset.js';
import {disposeTriplet, type RawTriplet} from './sample.js';
import {randomImage} from '../test/helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function rawOf(id: string, seed: number, size = 8): RawTriplet {
  return {frame0: randomImage(size, size, seed), gt: randomImage(size, size, seed + 1), frame1: randomImage(size, size, seed + 2), t: 0.5, id};
}

/** A list source of n samples whose reads take a little while and count how many run at once. */
function instrumentedSource(n: number, bad: Set<number> = new Set()) {
  const state = {active: 0, maxActive: 0, started: [] as number[]};
  const source: ListSource = {
    kind: 'list',
    name: 'fake',
    ids: Array.from({length: n}, (_, i) => `s${i}`),
    read: async (index) => {
      state.started.push(index);
      state.active++;
      state.maxActive = Math.max(state.maxActive, state.active);
      await new Promise((resolve) => setTimeout(resolve, 2));
      state.active--;
      if (bad.has(index)) throw new SampleError(`sample s${index}: image not found: /data/s${index}.png`, `/data/s${index}.png`, `s${index}`);
      return {raw: rawOf(`s${index}`, index * 10)};
    },
  };
  return {source, state};
}

async function collectIds(data: TripletDataset, epoch = 0): Promise<string[]> {
  const ids: string[] = [];
  for await (const raw of data.rawSamples({epoch})) ids.push(raw.id);
  return ids;
}

describe('the loader over a list', () => {
  it('yields every sample in order and never reads more than `prefetch` ahead', async () => {
    const {source, state} = instrumentedSource(20);
    const data = createDataset(source, {prefetch: 3});
    expect(data.length).toBe(20);
    let consumed = 0;
    for await (const raw of data.rawSamples()) {
      expect(raw.id).toBe(`s${consumed}`);
      consumed++;
      // started - consumed = reads in flight or decoded but not yet taken
      expect(state.started.length - consumed).toBeLessThanOrEqual(3);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    expect(consumed).toBe(20);
    expect(state.maxActive).toBeGreaterThan(1); // reads overlap
    expect(state.maxActive).toBeLessThanOrEqual(3);
  });

  it('shuffles with its seed, a new permutation per epoch, and limits after shuffling', async () => {
    const make = (seed: number) => createDataset(instrumentedSource(30).source, {shuffle: true, seed, limit: 10});
    const a = make(1);
    const e0 = await collectIds(a, 0);
    expect(e0).toEqual(a.ids);
    expect(e0.length).toBe(10);
    expect(e0).toEqual(await collectIds(make(1), 0));
    expect(e0).not.toEqual(await collectIds(a, 1));
    expect(e0).not.toEqual(await collectIds(make(2), 0));
    expect(e0).not.toEqual(Array.from({length: 10}, (_, i) => `s${i}`));
    expect(new Set([...e0, ...await collectIds(a, 1)]).size).toBeGreaterThan(10);
  });

  it("throws the first bad sample's error naming its path under onError: 'throw'", async () => {
    const data = createDataset(instrumentedSource(6, new Set([2])).source, {});
    await expect(collectIds(data)).rejects.toThrow('image not found: /data/s2.png');
  });

  it("under onError: 'skip' reports every skipped path and a summary count, and yields the rest", async () => {
    const skipped: SkippedSample[] = [];
    const summaries: PassSummary[] = [];
    const data = createDataset(instrumentedSource(8, new Set([1, 5])).source,
        {onError: 'skip', onSkip: (s) => skipped.push(s), onSummary: (s) => summaries.push(s)});
    expect(await collectIds(data)).toEqual(['s0', 's2', 's3', 's4', 's6', 's7']);
    expect(skipped.map((s) => [s.id, s.path])).toEqual([['s1', '/data/s1.png'], ['s5', '/data/s5.png']]);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({dataset: 'fake', complete: true, yielded: 6, excluded: 0});
    expect(summaries[0].skipped).toHaveLength(2);
    expect(data.lastSummary).toBe(summaries[0]);
  });

  it('without callbacks, warns once per skipped path and once with the count', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await collectIds(createDataset(instrumentedSource(4, new Set([0, 3])).source, {onError: 'skip'}));
      const lines = warn.mock.calls.map((c) => String(c[0]));
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/fake: skipped s0: .*\/data\/s0\.png/);
      expect(lines[1]).toMatch(/fake: skipped s3: .*\/data\/s3\.png/);
      expect(lines[2]).toMatch(/yielded 2, skipped 2 for errors/);
    } finally {
      warn.mockRestore();
    }
  });

  it('reports an early stop as an incomplete pass', async () => {
    const summaries: PassSummary[] = [];
    const data = createDataset(instrumentedSource(10).source, {onSummary: (s) => summaries.push(s)});
    for await (const raw of data.rawSamples()) if (raw.id === 's2') break;
    expect(summaries).toEqual([expect.objectContaining({complete: false, yielded: 3})]);
  });

  it('reads by index and rejects bad options naming them', async () => {
    const data = createDataset(instrumentedSource(3).source, {});
    expect((await data.read(2)).id).toBe('s2');
    await expect(data.read(3)).rejects.toThrow(/read\(index\): expected an integer in \[0, 3\), received 3/);
    expect(() => createDataset(instrumentedSource(3).source, {prefetch: 0})).toThrow(/options.prefetch: expected an integer >= 1, received 0/);
    expect(() => createDataset(instrumentedSource(3).source, {onError: 'ignore' as never})).toThrow(/onError: expected 'throw' or 'skip'/);
  });
});

describe('tensor samples and batches', () => {
  it('converts to [H, W, 3] float32 in [0, 1] and augments with the seed', async () => {
    const data = createDataset(instrumentedSource(4).source, {augment: {cropSize: 4, seed: 9}});
    const again = createDataset(instrumentedSource(4).source, {augment: {cropSize: 4, seed: 9}});
    const a = [], b = [];
    for await (const s of data) { a.push(Array.from(await s.gt.data())); expect(s.gt.shape).toEqual([4, 4, 3]); disposeTriplet(s); }
    for await (const s of again) { b.push(Array.from(await s.gt.data())); disposeTriplet(s); }
    expect(a).toEqual(b);
    const plain = createDataset(instrumentedSource(1).source, {});
    for await (const s of plain) {
      expect(s.frame0.shape).toEqual([8, 8, 3]);
      expect(Array.from(await s.frame0.data())).toEqual(Array.from(rawOf('s0', 0).frame0.data).map((v) => Math.fround(v / 255)));
      disposeTriplet(s);
    }
  });

  it('stacks batches of [B, H, W, 3], keeps a short last batch unless dropLast', async () => {
    const data = createDataset(instrumentedSource(7).source, {});
    const sizes: number[] = [];
    for await (const batch of data.batches(3)) {
      expect(batch.frame0.shape.slice(1)).toEqual([8, 8, 3]);
      sizes.push(batch.frame0.shape[0]);
      expect(batch.ids).toHaveLength(batch.frame0.shape[0]);
      disposeBatch(batch);
    }
    expect(sizes).toEqual([3, 3, 1]);
    const dropped: number[] = [];
    for await (const batch of data.batches(3, {dropLast: true})) { dropped.push(batch.gt.shape[0]); disposeBatch(batch); }
    expect(dropped).toEqual([3, 3]);
  });

  it('refuses to stack samples of different sizes, naming them', async () => {
    const source: ListSource = {kind: 'list', name: 'mixed', ids: ['a', 'b'],
      read: async (i) => ({raw: rawOf(i ? 'b' : 'a', i, i ? 6 : 8)})};
    const run = async () => { for await (const b of createDataset(source, {}).batches(2)) disposeBatch(b); };
    await expect(run()).rejects.toThrow(/sample b has frame0 \[6,6,3\] but sample a has frame0 \[8,8,3\]/);
  });

  it('does not leak: full passes, augmented passes, batches and early stops', async () => {
    const plain = createDataset(instrumentedSource(5).source, {});
    const augmented = createDataset(instrumentedSource(5).source, {augment: {cropSize: 4}});
    await expectNoLeaks(async () => { for await (const s of plain) disposeTriplet(s); });
    await expectNoLeaks(async () => { for await (const s of augmented) disposeTriplet(s); });
    await expectNoLeaks(async () => { for await (const b of plain.batches(2)) disposeBatch(b); });
    await expectNoLeaks(async () => { for await (const s of plain) { disposeTriplet(s); break; } });
    await expectNoLeaks(async () => { for await (const b of augmented.batches(3)) { disposeBatch(b); break; } });
  });
});

describe('the loader over a stream', () => {
  function streamOf(n: number, errorAt = -1) {
    const state = {produced: 0, closed: false};
    return {state, source: {
      kind: 'stream' as const,
      name: 'stream',
      async *open(): AsyncGenerator<StreamItem, void, undefined> {
        try {
          for (let i = 0; i < n; i++) {
            state.produced++;
            if (i === errorAt) yield {error: new SampleError('decode failed: /v.mp4', '/v.mp4', 'v')};
            else yield {raw: rawOf(`f${i}`, i)};
          }
        } finally {
          state.closed = true;
        }
      },
    }};
  }

  it('reads ahead at most `prefetch`, stops at limit and closes the source', async () => {
    const {source, state} = streamOf(100);
    const data = createDataset(source, {prefetch: 2, limit: 5});
    expect(data.length).toBeUndefined();
    expect(data.ids).toBeUndefined();
    let n = 0;
    for await (const raw of data.rawSamples()) {
      n++;
      expect(state.produced - n).toBeLessThanOrEqual(2);
      expect(raw.id).toBe(`f${n - 1}`);
    }
    expect(n).toBe(5);
    expect(state.closed).toBe(true);
    expect(state.produced).toBeLessThanOrEqual(7);
  });

  it('applies the error policy to stream errors and refuses shuffle', async () => {
    await expect(collectIds(createDataset(streamOf(5, 2).source, {}))).rejects.toThrow('decode failed: /v.mp4');
    const skipped: SkippedSample[] = [];
    const ids = await collectIds(createDataset(streamOf(5, 2).source, {onError: 'skip', onSkip: (s) => skipped.push(s), onSummary: () => undefined}));
    expect(ids).toEqual(['f0', 'f1', 'f3', 'f4']);
    expect(skipped).toEqual([{id: 'v', path: '/v.mp4', reason: 'decode failed: /v.mp4'}]);
    expect(() => createDataset(streamOf(1).source, {shuffle: true})).toThrow(/shuffle is not supported on a video stream/);
    await expect(createDataset(streamOf(1).source, {}).read(0)).rejects.toThrow(/read\(index\) needs random access/);
  });
});
