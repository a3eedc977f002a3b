// The README's examples, run as written (fewer samples), so the README cannot rot.
import {describe, expect, it} from '@jest/globals';
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {useBackend} from '@daek/flow-ops';
import {createSyntheticTriplets, disposeBatch, disposeTriplet, exclusionRanges, openMiddlebury, openVideo} from './node.js';
import {SHARED_DATA} from '../test/helpers.js';

describe('README examples', () => {
  it('trains on synthetic batches and evaluates on Middlebury', async () => {
    await useBackend('wasm');
    const train = createSyntheticTriplets({seed: 1234, count: 6, width: 240, height: 232, augment: true, shuffle: true});
    const shapes: number[][] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      for await (const batch of train.batches(4, {epoch, dropLast: true})) {
        shapes.push(batch.frame0.shape);
        expect(batch.t).toEqual([0.5, 0.5, 0.5, 0.5]);
        disposeBatch(batch);
      }
    }
    expect(shapes).toEqual([[4, 224, 224, 3], [4, 224, 224, 3]]);
    const middlebury = path.join(SHARED_DATA, 'middlebury-other');
    if (!existsSync(middlebury)) return;
    const ids: string[] = [];
    for await (const sample of openMiddlebury(middlebury, {limit: 2})) {
      ids.push(sample.id);
      expect(sample.gt.shape[2]).toBe(3);
      disposeTriplet(sample);
    }
    expect(ids).toEqual(['Beanbags', 'Dimetrodon']);
  });

  it('keeps training away from evaluation frames', () => {
    const evaluation = [[18, 19, 20], [249, 250, 251]];
    expect(exclusionRanges(evaluation, 2)).toEqual([[16, 22], [247, 253]]);
    const vtest = path.join(SHARED_DATA, 'video-clips', 'src', 'vtest.avi');
    if (!existsSync(vtest) || spawnSync('ffmpeg', ['-version']).status !== 0) return;
    expect(openVideo(vtest, {exclude: exclusionRanges(evaluation, 2)}).name).toBe('video:vtest.avi');
  });
});
