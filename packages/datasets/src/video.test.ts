import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {expectNoLeaks} from '@daek/testing';
import type {PassSummary, SkippedSample} from './dataset.js';
import {exclusionRanges} from './frame-schedule.js';
import {readImage, type RgbImage} from './image.js';
import {disposeTriplet, type RawTriplet} from './sample.js';
import {sceneDistance} from './scene-cut.js';
import {createSyntheticScene} from './synthetic-scene.js';
import {renderSyntheticFrame} from './synthetic-render.js';
import {openVideo} from './video.js';
import {removeTemporaryFolder, sameBytes, SHARED_DATA, temporaryFolder} from '../test/helpers.js';

const ffmpegOk = spawnSync('ffmpeg', ['-version']).status === 0;
if (!ffmpegOk) console.log('[datasets] video tests skipped: ffmpeg is not on PATH (apt-get install ffmpeg)');
const describeVideo = ffmpegOk ? describe : describe.skip;

let dir: string;
let video: string;
/** 12 frames: 0-6 one scene moving, 7-11 another. */
const frames: RgbImage[] = [];
const W = 40, H = 30;

beforeAll(async () => {
  await tf.setBackend('cpu');
  if (!ffmpegOk) return;
  dir = temporaryFolder();
  const a = createSyntheticScene({seed: 1, width: W, height: H, layers: 2}, 0);
  const b = createSyntheticScene({seed: 2, width: W, height: H, layers: 2}, 0);
  for (let k = 0; k <= 6; k++) frames.push(renderSyntheticFrame(a, k / 6));
  for (let k = 0; k <= 4; k++) frames.push(renderSyntheticFrame(b, k / 4));
  video = path.join(dir, 'tiny.mkv');
  const raw = Buffer.concat(frames.map((f) => Buffer.from(f.data)));
  const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-r', '10', '-i', '-',
    '-c:v', 'ffv1', '-pix_fmt', 'bgr0', video], {input: raw}); // lossless
  if (made.status !== 0) throw new Error(`could not make the test video: ${made.stderr}`);
});
afterAll(() => { if (dir) removeTemporaryFolder(dir); });

async function collect(data: ReturnType<typeof openVideo>): Promise<RawTriplet[]> {
  const out: RawTriplet[] = [];
  for await (const raw of data.rawSamples()) out.push(raw);
  return out;
}

describeVideo('openVideo on a tiny lossless video', () => {
  it('yields every triplet of consecutive frames, exact, and drops the two that span the scene cut', async () => {
    expect(sceneDistance(frames[5], frames[6])).toBeLessThan(0.3);
    expect(sceneDistance(frames[6], frames[7])).toBeGreaterThan(0.3);
    const summaries: PassSummary[] = [];
    const data = openVideo(video, {onSummary: (s) => summaries.push(s)});
    expect(data.length).toBeUndefined();
    const triplets = await collect(data);
    expect(triplets.map((t) => t.frames![0])).toEqual([0, 1, 2, 3, 4, 7, 8, 9]);
    for (const t of triplets) {
      const [a, b, c] = t.frames!;
      expect(t.id).toBe(`tiny/f${String(b).padStart(4, '0')}`);
      expect(t.t).toBe(0.5);
      expect(sameBytes(t.frame0.data, frames[a].data)).toBe(true);
      expect(sameBytes(t.gt.data, frames[b].data)).toBe(true);
      expect(sameBytes(t.frame1.data, frames[c].data)).toBe(true);
    }
    expect(summaries[0]).toMatchObject({complete: true, yielded: 8, sceneCuts: [7], droppedAtSceneCuts: 2, excluded: 0});
  });

  it('takes a gap and a stride, explicit starts, exclusions, and stops at limit', async () => {
    const spaced = await collect(openVideo(video, {gap: 2, stride: 3, sceneCut: false}));
    expect(spaced.map((t) => t.frames)).toEqual([[0, 2, 4], [3, 5, 7], [6, 8, 10]]);
    expect(sameBytes(spaced[1].gt.data, frames[5].data)).toBe(true);
    let summary: PassSummary | undefined;
    const chosen = await collect(openVideo(video, {starts: [8, 0, 2], exclude: [[3, 4]], onSummary: (s) => { summary = s; }}));
    expect(chosen.map((t) => t.frames![0])).toEqual([0, 8]);
    expect(summary).toMatchObject({excluded: 1, yielded: 2});
    const near = await collect(openVideo(video, {exclude: exclusionRanges([[2, 3, 4]], 2), sceneCut: false}));
    expect(near.map((t) => t.frames![0])).toEqual([7, 8, 9]); // every triplet touching frames 0..6 is left out
    let limited: PassSummary | undefined;
    expect(await collect(openVideo(video, {limit: 2, onSummary: (s) => { limited = s; }}))).toHaveLength(2);
    // the summary counts what the consumer reached, not what the read-ahead decoded past it
    expect(limited).toMatchObject({yielded: 2, complete: true, sceneCuts: [], droppedAtSceneCuts: 0});
  });

  it('scales frames in ffmpeg when asked', async () => {
    const [first] = await collect(openVideo(video, {size: {width: 20, height: 16}, limit: 1}));
    expect([first.gt.width, first.gt.height, first.gt.data.length]).toEqual([20, 16, 20 * 16 * 3]);
  });

  it('gives tensor samples, augmented, and does not leak, also when stopped early', async () => {
    const data = openVideo(video, {augment: {cropSize: 16, seed: 2}, onSummary: () => undefined});
    let n = 0;
    for await (const s of data) {
      expect(s.frame1.shape).toEqual([16, 16, 3]);
      disposeTriplet(s);
      n++;
    }
    expect(n).toBe(8);
    await expectNoLeaks(async () => { for await (const s of data) disposeTriplet(s); }, 1);
    await expectNoLeaks(async () => { for await (const s of data) { disposeTriplet(s); break; } }, 1);
    // stopping early killed ffmpeg before the loop returned
    const children = spawnSync('ps', ['--ppid', String(process.pid), '-o', 'comm='], {encoding: 'utf8'}).stdout;
    if (typeof children === 'string') expect(children).not.toMatch(/ffmpeg/); // where ps exists
  });

  it('names a missing file, a missing ffmpeg (saying how to install it) and a video ffmpeg cannot decode', async () => {
    expect(() => openVideo(path.join(dir, 'none.mp4'))).toThrow(`video file not found: ${path.join(dir, 'none.mp4')}`);
    expect(() => openVideo(video, {ffmpegPath: path.join(dir, 'no-ffmpeg')}))
        .toThrow(/ffmpeg was not found or does not run .*install it \(Debian\/Ubuntu: apt-get install ffmpeg/);
    expect(() => openVideo(video, {gap: 0})).toThrow(/options.gap: expected an integer >= 1, received 0/);
    expect(() => openVideo(video, {exclude: [[5, 2]]})).toThrow(/options.exclude: expected inclusive ranges/);
    const corrupt = path.join(dir, 'corrupt.mp4');
    writeFileSync(corrupt, Buffer.alloc(5000, 7));
    await expect(collect(openVideo(corrupt))).rejects.toThrow(`ffmpeg failed to decode ${corrupt}`);
    const skipped: SkippedSample[] = [];
    expect(await collect(openVideo(corrupt, {onError: 'skip', onSkip: (s) => skipped.push(s), onSummary: () => undefined}))).toEqual([]);
    expect(skipped.map((s) => s.path)).toEqual([corrupt]);
    await expect(collect(openVideo(video, {starts: [2, 9, 10]}))).rejects.toThrow(
        `video:tiny.mkv: ${video} has 12 frames, but the triplets starting at frame 10 need frames up to 12`);
    await expect(collect(openVideo(video, {first: 10}))).rejects.toThrow(/has 12 frames, too few for a triplet from frame 10 with gap 1/);
  });
});

describe('openVideo without ffmpeg', () => {
  it('says that ffmpeg is missing and how to install it (runs with or without ffmpeg)', () => {
    expect(() => openVideo(import.meta.filename, {ffmpegPath: '/nonexistent/ffmpeg'}))
        .toThrow(/ffmpeg was not found or does not run \(tried '\/nonexistent\/ffmpeg': ENOENT\).*apt-get install ffmpeg.*options.ffmpegPath/);
  });
});

describe('exclusionRanges', () => {
  it('leaves out every frame within the margin of each triplet, merging overlaps', () => {
    expect(exclusionRanges([[18, 19, 20], [249, 250, 251]], 2)).toEqual([[16, 22], [247, 253]]);
    expect(exclusionRanges([[10, 11, 12], [14, 15, 16], [30, 31, 32]], 1)).toEqual([[9, 17], [29, 33]]);
    expect(() => exclusionRanges([[1.5]])).toThrow(/expected arrays of integer frame indices/);
  });
});

const clips = path.join(SHARED_DATA, 'video-clips');
const describeReal = ffmpegOk && existsSync(clips) ? describe : describe.skip;
if (!existsSync(clips)) console.log(`[datasets] real video tests skipped: ${clips} is absent`);

interface Manifest {
  [clip: string]: {frames: number; triplets: {dir: string; source_frames: number[]}[]};
}

describeReal('openVideo on the real clips (shared/data/video-clips)', () => {
  // Decoded with this machine's ffmpeg and compared with the PNGs Debian ffmpeg 5.1 produced: expected exact
  // with the same decoder build; other builds may differ slightly (the manifest says so).
  const manifest: Manifest = existsSync(clips) ? JSON.parse(readFileSync(path.join(clips, 'triplets', 'manifest.json'), 'utf8')) : {};
  const expectedCuts: Record<string, number[]> = {'cityCC0.mpg': [116]};
  for (const clip of Object.keys(manifest)) {
    it(`cuts the manifest's triplets from ${clip}, pixel for pixel, and finds its scene cuts`, async () => {
      const entries = manifest[clip].triplets;
      let summary: PassSummary | undefined;
      const data = openVideo(path.join(clips, 'src', clip), {starts: entries.map((e) => e.source_frames[0]), onSummary: (s) => { summary = s; }});
      const triplets = await collect(data);
      expect(triplets.map((t) => t.frames)).toEqual(entries.map((e) => e.source_frames));
      let worst = 0;
      for (const [i, t] of triplets.entries()) {
        expect(t.id).toBe(entries[i].dir); // clip/fNNNN, NNNN the gt frame
        for (const [key, file] of [['frame0', 'frame0.png'], ['gt', 'gt.png'], ['frame1', 'frame1.png']] as const) {
          const png = await readImage(path.join(clips, 'triplets', entries[i].dir, file));
          const a = t[key].data, b = png.data;
          expect([t[key].width, t[key].height]).toEqual([png.width, png.height]);
          for (let j = 0; j < a.length; j++) {
            const d = a[j] - b[j];
            if (d > worst || -d > worst) worst = d < 0 ? -d : d;
          }
        }
      }
      expect(worst).toBe(0);
      expect(summary!.sceneCuts).toEqual(expectedCuts[clip] ?? []);
    });
  }
});
