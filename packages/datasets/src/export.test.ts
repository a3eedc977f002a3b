import {afterAll, describe, expect, it, jest} from '@jest/globals';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {EXPORT_FLOW_FILES, exportVimeoTriplets} from './export.js';
import {EXPORT_USAGE, main, openExportSources} from './export-cli.js';
import {decodeFlo, FLO_MAGIC} from './flo.js';
import {readImage} from './image.js';
import {createSyntheticTriplets} from './synthetic.js';
import {renderSyntheticFlow} from './synthetic-flow.js';
import {createSyntheticScene} from './synthetic-scene.js';
import {solidImage, writePng} from '../test/helpers.js';

const ffmpegOk = spawnSync('ffmpeg', ['-version']).status === 0;
const work = mkdtempSync(path.join(tmpdir(), 'daek-export-'));
afterAll(() => rmSync(work, {recursive: true, force: true}));

describe('exportVimeoTriplets', () => {
  it('writes synthetic triplets in the Vimeo layout, byte for byte, list last', async () => {
    const out = path.join(work, 'syn');
    const summary = await exportVimeoTriplets([createSyntheticTriplets({count: 2, width: 64, height: 48, seed: 5})], {out});
    expect(summary.triplets).toBe(2);
    expect(readFileSync(path.join(out, 'tri_trainlist.txt'), 'utf8')).toBe('00001/0001\n00001/0002\n');
    const again = createSyntheticTriplets({count: 2, width: 64, height: 48, seed: 5});
    const raw = await again.read(1);
    const gt = await readImage(path.join(out, 'sequences/00001/0002/im2.png'));
    expect(Buffer.from(gt.data).equals(Buffer.from(raw.gt.data))).toBe(true);
  });

  it('writes the exact flow of synthetic triplets as Middlebury .flo files and lists them in export.json', async () => {
    const out = path.join(work, 'syn-flow');
    const {sources, flow} = await openExportSources(['--out', out, '--synthetic-count', '2', '--synthetic-size', '64x48', '--seed', '5', 'synthetic']);
    expect(flow).toBe(true);
    const summary = await exportVimeoTriplets(sources, {out, flow});
    expect(summary.sources[0]!.flowFiles).toEqual(['flow_t0.flo', 'flow_t1.flo']);
    const report = JSON.parse(readFileSync(path.join(out, 'export.json'), 'utf8')) as {sources: {flowFiles: string[]}[]};
    expect(report.sources[0]!.flowFiles).toEqual(['flow_t0.flo', 'flow_t1.flo']);
    for (const [n, index] of [['0001', 0], ['0002', 1]] as const) {
      const dir = path.join(out, 'sequences/00001', n);
      const expected = renderSyntheticFlow(createSyntheticScene({width: 64, height: 48, seed: 5}, index), 0.5);
      const im2 = await readImage(path.join(dir, 'im2.png'));
      for (const [file, field] of [[EXPORT_FLOW_FILES.toFrame0, expected.toFrame0], [EXPORT_FLOW_FILES.toFrame1, expected.toFrame1]] as const) {
        const bytes = readFileSync(path.join(dir, file));
        expect(bytes.length).toBe(12 + 64 * 48 * 8);
        expect([bytes.readFloatLE(0), bytes.readInt32LE(4), bytes.readInt32LE(8)]).toEqual([FLO_MAGIC, 64, 48]);
        const flo = decodeFlo(bytes);
        expect([flo.width, flo.height]).toEqual([im2.width, im2.height]);
        expect(Buffer.from(flo.data.buffer).equals(Buffer.from(field.buffer))).toBe(true);
        expect(flo.data.some((v) => Math.abs(v) > 0.5)).toBe(true); // the scene moves
      }
    }
    expect(readdirSync(path.join(out, 'sequences/00001/0001')).sort()).toEqual(['flow_t0.flo', 'flow_t1.flo', 'im1.png', 'im2.png', 'im3.png']);
    // --no-flow leaves them out
    const bare = path.join(work, 'syn-no-flow');
    const request = await openExportSources(['--out', bare, '--synthetic-count', '1', '--synthetic-size', '16x8', '--no-flow', 'synthetic']);
    expect(request.flow).toBe(false);
    expect((await exportVimeoTriplets(request.sources, {out: bare, flow: request.flow})).sources[0]!.flowFiles).toEqual([]);
    expect(readdirSync(path.join(bare, 'sequences/00001/0001')).sort()).toEqual(['im1.png', 'im2.png', 'im3.png']);
    expect(EXPORT_USAGE).toMatch(/flow_t0\.flo/);
  });

  it('cuts synthetic textures from images (--synthetic-textures): deterministic, exact flow, recorded in export.json', async () => {
    const textures = path.join(work, 'textures');
    const colours = {'red.png': [200, 0, 0], 'more/green.png': [0, 200, 0], 'more/blue.png': [0, 0, 200]} as const;
    for (const [file, rgb] of Object.entries(colours)) await writePng(path.join(textures, file), solidImage(13, 9, rgb));
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const args = ['--synthetic-count', '2', '--synthetic-size', '64x48', '--seed', '5', '--synthetic-textures', textures, 'synthetic'];
    try {
      expect(await main(['export', '--out', path.join(work, 'tex-a'), ...args])).toBe(0);
      expect(await main(['export', '--out', path.join(work, 'tex-b'), ...args])).toBe(0);
      expect(await main(['export', '--out', path.join(work, 'tex-one'), ...args, '--synthetic-texture-count', '1'])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const procedural = path.join(work, 'tex-procedural');
    const request = await openExportSources(['--out', procedural, ...args.slice(0, 6), 'synthetic']);
    expect(request.textures.size).toBe(0);
    await exportVimeoTriplets(request.sources, {out: procedural, textures: request.textures});
    expect((JSON.parse(readFileSync(path.join(procedural, 'export.json'), 'utf8')) as {sources: object[]}).sources[0]).not.toHaveProperty('textures');

    type Report = {sources: {textures: {folder: string; count: number; available: number; files: string[]}; flowFiles: string[]}[]};
    const report = JSON.parse(readFileSync(path.join(work, 'tex-a', 'export.json'), 'utf8')) as Report;
    expect(report.sources[0]!.textures).toEqual({folder: textures, count: 3, available: 3,
      files: ['more/blue.png', 'more/green.png', 'red.png']});
    expect(report.sources[0]!.flowFiles).toEqual(['flow_t0.flo', 'flow_t1.flo']);
    const images = await Promise.all(report.sources[0]!.textures.files.map((f) => readImage(path.join(textures, f))));
    const pure = new Set<number>(); // the texture colours seen unblended
    for (const [n, index] of [['0001', 0], ['0002', 1]] as const) {
      const dir = (root: string) => path.join(work, root, 'sequences/00001', n);
      for (const im of ['im1.png', 'im2.png', 'im3.png']) {
        const bytes = readFileSync(path.join(dir('tex-a'), im));
        expect(bytes.equals(readFileSync(path.join(dir('tex-b'), im)))).toBe(true); // deterministic
        expect(bytes.equals(readFileSync(path.join(dir('tex-procedural'), im)))).toBe(false);
        // every pixel is a blend of the three texture colours (r + g + b = 200, up to rounding), none procedural
        const {data} = await readImage(path.join(dir('tex-a'), im));
        for (let i = 0; i < data.length; i += 3) expect(Math.abs(data[i]! + data[i + 1]! + data[i + 2]! - 200)).toBeLessThanOrEqual(2);
        for (let i = 0; i < data.length; i += 3) {
          const channel = [0, 1, 2].find((c) => data[i + c] === 200 && data[i + (c + 1) % 3] === 0 && data[i + (c + 2) % 3] === 0);
          if (channel !== undefined) pure.add(channel);
        }
      }
      expect(pure.size).toBeGreaterThan(1);
      // the exact flow does not depend on the textures: still the scene's flow, byte for byte
      const expected = renderSyntheticFlow(createSyntheticScene({width: 64, height: 48, seed: 5, textures: images}, index), 0.5);
      for (const [file, field] of [[EXPORT_FLOW_FILES.toFrame0, expected.toFrame0], [EXPORT_FLOW_FILES.toFrame1, expected.toFrame1]] as const) {
        const flo = decodeFlo(readFileSync(path.join(dir('tex-a'), file)));
        expect([flo.width, flo.height]).toEqual([64, 48]);
        expect(Buffer.from(flo.data.buffer).equals(Buffer.from(field.buffer))).toBe(true);
      }
    }
    // one texture: every pixel of every frame is that image's colour
    const one = (JSON.parse(readFileSync(path.join(work, 'tex-one', 'export.json'), 'utf8')) as Report).sources[0]!.textures;
    expect(one.count).toBe(1);
    expect(one.available).toBe(3);
    const rgb = colours[one.files[0] as keyof typeof colours];
    for (const n of ['0001', '0002']) {
      for (const im of ['im1.png', 'im2.png', 'im3.png']) {
        const image = await readImage(path.join(work, 'tex-one', 'sequences/00001', n, im));
        expect(Buffer.from(image.data).equals(Buffer.from(solidImage(64, 48, rgb).data))).toBe(true);
      }
    }
  });

  (ffmpegOk ? it : it.skip)('drops held-out frames of a video and names bad input', async () => {
    const video = path.join(work, 'clip.mkv');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=1.2',
      '-c:v', 'ffv1', video]);
    expect(made.status).toBe(0);
    const manifest = path.join(work, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({'clip.mkv': {triplets: [{source_frames: [4, 5, 6]}]}}));
    const out = path.join(work, 'video');
    const {sources} = await openExportSources(['--out', out, '--holdout', manifest, '--holdout-margin', '0', `video:${video}`]);
    const summary = await exportVimeoTriplets(sources, {out});
    // 12 frames give starts 0..9; every triplet touching frames 4-6 is held out: starts 2..6 -> 5 left.
    expect(summary.triplets).toBe(5);
    expect(summary.sources[0]!.excluded).toBe(5);
    expect(summary.sources[0]!.flowFiles).toEqual([]); // no exact flow for real video
    expect(await main(['export', '--out', path.join(work, 'x')])).toBe(1);
    expect(await main(['export', '--out', path.join(work, 'x'), 'nope:1'])).toBe(1);
    expect(existsSync(path.join(work, 'x', 'tri_trainlist.txt'))).toBe(false);
  });
});
