// daek-interp frames and folder, through main() with the cheap deterministic engine (the per-byte mean).
import {existsSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {readImage, writeImage, type RgbImage} from '@daek/datasets';
import type {EngineFactory, EngineOptions} from '../src/engine.js';
import {averageEngine, removeFolder, runInProcess, temporaryFolder} from './helpers.js';

function gradient(width: number, height: number, shift: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = (x * 4 + shift * 16) & 255;
      data[o + 1] = (y * 5 + shift * 8) & 255;
      data[o + 2] = ((x + y) * 2) & 255;
    }
  }
  return {data, width, height};
}

describe('daek-interp frames / folder', () => {
  let dir: string;
  let a: string;
  let b: string;
  beforeAll(async () => {
    dir = temporaryFolder();
    a = path.join(dir, 'a.png');
    b = path.join(dir, 'b.png');
    await writeImage(a, gradient(63, 47, 0)); // odd size: padded and cropped back by the interpolator
    await writeImage(b, gradient(63, 47, 1));
  });
  afterAll(() => removeFolder(dir));

  it('refines by default, and --scale < 1 or --no-refine pass refine: false to the engine (the former with a note)', async () => {
    const seen: EngineOptions[] = [];
    const {factory} = averageEngine();
    const spy: EngineFactory = (options) => { seen.push(options); return factory(options); };
    const run = (...flags: string[]) => runInProcess(['frames', a, b, '-o', path.join(dir, `refine${seen.length}.png`), ...flags], {factory: spy});
    const byDefault = await run();
    const scaled = await run('--engine', 'tfjs', '--scale', '0.5');
    const off = await run('--no-refine');
    expect([byDefault.code, scaled.code, off.code]).toEqual([0, 0, 0]);
    expect(seen.map((o) => o.refine)).toEqual([true, false, false]);
    expect(byDefault.stderr).not.toMatch(/refinement/);
    expect(scaled.stderr).toMatch(/daek-interp: note: flow search refinement is off because the network runs at reduced scale \(--scale 0.5\); pass --scale 1/);
    expect(off.stderr).not.toMatch(/refinement/);
  });

  it('frames A B -o OUT.png writes the middle frame (same size)', async () => {
    const out = path.join(dir, 'mid.png');
    const {code} = await runInProcess(['frames', a, b, '-o', out]);
    expect(code).toBe(0);
    const [ia, ib, im] = [await readImage(a), await readImage(b), await readImage(out)];
    expect([im.width, im.height]).toEqual([63, 47]);
    expect(im.data.every((v, i) => v === ((ia.data[i]! + ib.data[i]! + 1) >> 1))).toBe(true);
  });

  it('--t 0.3 goes through bisection (5/16: four passes)', async () => {
    const engine = averageEngine();
    const {code, stdout} = await runInProcess(['frames', a, b, '-o', path.join(dir, 't03.png'), '--t', '0.3', '--json'], {factory: engine.factory});
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({passes: 4, interpolated: 1});
    expect(engine.calls()).toBe(4);
  });

  it('--n 7 -o DIR/ writes seven evenly spaced frames, sharing the bisection (7 passes)', async () => {
    const out = path.join(dir, 'seven');
    const engine = averageEngine();
    const {code} = await runInProcess(['frames', a, b, '-o', `${out}/`, '--n', '7'], {factory: engine.factory});
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['frame_01.png', 'frame_02.png', 'frame_03.png', 'frame_04.png', 'frame_05.png', 'frame_06.png', 'frame_07.png']);
    expect(engine.calls()).toBe(7); // t = k/8 on the 1/16 grid: every frame is a grid point reached once
  });

  it('folder DIR -o DIR2 --multi 2: (N-1)*2 + 1 numbered frames, inputs kept', async () => {
    const input = path.join(dir, 'frames');
    mkdirSync(input);
    for (const [i, name] of ['f1.png', 'f2.png', 'f10.png'].entries()) await writeImage(path.join(input, name), gradient(40, 30, i));
    const out = path.join(dir, 'folder-out');
    const {code} = await runInProcess(['folder', input, '-o', out, '--multi', '2']);
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['000000.png', '000001.png', '000002.png', '000003.png', '000004.png']);
    // Natural order: f10 is the last frame.
    const last = await readImage(path.join(out, '000004.png'));
    expect(Buffer.from(last.data).equals(Buffer.from((await readImage(path.join(input, 'f10.png'))).data))).toBe(true);
    const again = await runInProcess(['folder', input, '-o', out, '--multi', '2']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/output-exists: .*--overwrite.*--resume/);
    const engine = averageEngine();
    expect((await runInProcess(['folder', input, '-o', out, '--multi', '2', '--resume'], {factory: engine.factory})).code).toBe(0);
    expect(engine.calls()).toBe(0);
  });

  it('bad input: mismatched sizes, an unreadable image, a missing image, output = input', async () => {
    const small = path.join(dir, 'small.png');
    await writeImage(small, gradient(32, 32, 0));
    const broken = path.join(dir, 'broken.png');
    writeFileSync(broken, 'not a png');
    const cases: [string[], RegExp][] = [
      [['frames', a, small, '-o', path.join(dir, 'x.png')], /size-mismatch: .*a\.png is 63x47 but .*small\.png is 32x32/],
      [['frames', a, broken, '-o', path.join(dir, 'x.png')], /unreadable-image: cannot read .*broken\.png/],
      [['frames', a, path.join(dir, 'none.png'), '-o', path.join(dir, 'x.png')], /input-not-found: image not found/],
      [['frames', a, b, '-o', a, '--overwrite'], /output-is-input/],
      [['frames', a, b, '-o', path.join(dir, 'mid.png')], /output-exists/],
      [['frames', a, b, '-o', path.join(dir, 'x.png'), '--t', '1.5'], /--t: expected a number in \(0, 1\)/],
    ];
    for (const [argv, pattern] of cases) {
      const {code, stderr} = await runInProcess(argv);
      expect(stderr).toMatch(pattern);
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(code).toBe(2);
    }
    expect(existsSync(path.join(dir, 'x.png'))).toBe(false);
  });

  it('--tile N --tile-overlap M: a per-pixel engine gives the same frame tiled as whole', async () => {
    const [big0, big1] = [path.join(dir, 'big0.png'), path.join(dir, 'big1.png')];
    await writeImage(big0, gradient(150, 100, 0));
    await writeImage(big1, gradient(150, 100, 2));
    const engine = averageEngine();
    const tiled = path.join(dir, 'tiled.png');
    expect((await runInProcess(['frames', big0, big1, '-o', tiled, '--tile', '64', '--tile-overlap', '16'], {factory: engine.factory})).code).toBe(0);
    expect(engine.calls()).toBe(6); // 3 x 2 tiles
    const whole = path.join(dir, 'whole.png');
    expect((await runInProcess(['frames', big0, big1, '-o', whole])).code).toBe(0);
    expect(Buffer.from((await readImage(tiled)).data).equals(Buffer.from((await readImage(whole)).data))).toBe(true);
    expect((await runInProcess(['frames', big0, big1, '-o', whole, '--tile', '64', '--tile-overlap', '40'])).stderr).toMatch(/--tile-overlap: must be less than half/);
  });

  it('--help prints the usage', async () => {
    const {code, stdout} = await runInProcess(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/daek-interp video IN -o OUT/);
  });
});
