// The daek-bench command line: flags, clear errors for missing or partial dataset folders (listing what is
// missing), --resume from the per-triplet CSV, and a smoke test of the embedded default through the real launcher.
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {parseCommandLine, UsageError} from './args.js';
import {runBench, type BenchOptions} from './run.js';
import {readTripletCsv} from './triplet_log.js';
import {patternImage, removeFolder, runCli, temporaryFolder, writePng} from '../test/helpers.js';

function options(argv: string[]): BenchOptions {
  const parsed = parseCommandLine(argv);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.options;
}

let root: string;
beforeAll(() => {
  root = temporaryFolder();
});
afterAll(() => removeFolder(root));

describe('flags', () => {
  it('defaults: embedded synthetic set, the shipped default model + average + minterpolate, wasm, Table I layout', () => {
    const o = options([]);
    expect(o.command).toBe('default');
    expect(o.sets.map((s) => s.key)).toEqual(['synthetic']);
    expect(o.sets[0].source).toContain('count: 8, width: 448, height: 256');
    expect(o.methods).toEqual(['default', 'average', 'minterpolate']);
    expect(options(['table1']).methods).toEqual(['default', 'daek', 'rife', 'average', 'minterpolate']);
    expect(o.explicitMethods).toBe(false);
    expect(o.backend).toBe('wasm');
    expect(o.out).toBe(path.resolve('daek-bench-results/default'));
  });

  it('maps dataset flags to Table I columns and presets to Tables II and III', () => {
    const o = options(['table1', '--vimeo', '/v', '--ucf101', '/u', '--snu-film', '/s', '--snu-difficulties', 'hard,extreme',
      '--limit', '5', '--method', 'daek:daek-f-ca=/w', '--weights', 'rife=/r.pth', '--resume']);
    expect(o.sets.map((s) => s.key)).toEqual(['vimeo', 'ucf101', 'snu-hard', 'snu-extreme']);
    expect([o.limit, o.resume, o.explicitMethods, [...o.weights]]).toEqual([5, true, true, [['rife', '/r.pth']]]);
    expect(options(['table2']).methods).toEqual(['daek:baseline', 'daek:daek-f-ca', 'daek:daek-f-sfa', 'daek:daek-f-da', 'daek:daek-da']);
    expect(options(['table3']).methods).toEqual(['daek:daek-no-distill', 'daek:daek-rt', 'daek:daek-ot', 'daek:rife-ot']);
    expect(options(['--ucf101', '/u']).command).toBe('table1');
    expect(options(['runtime', '--backends', 'cpu,wasm', '--sizes', '64x64']).sizes).toEqual([[64, 64]]);
    expect(options(['runtime', '--engine', 'onnxruntime', '--threads', '2'])).toMatchObject({engine: 'onnxruntime', threads: 2});
    expect(options(['runtime']).engine).toBe('tfjs');
  });

  it('rejects bad flags with a usage error that says what was expected', () => {
    const bad: [string[], RegExp][] = [
      [['tabel1'], /unknown command 'tabel1'/],
      [['--limit', '0'], /--limit: expected an integer >= 1, got '0'/],
      [['--backend', 'tpu'], /--backend: expected one of wasm, cpu, webgpu/],
      [['--engine', 'torch'], /--engine: expected tfjs or onnxruntime, got 'torch'/],
      [['--method', 'dvf'], /unknown method 'dvf'; expected default\[\+ensemble\]\[\+refine\|\+norefine\] \| average \| minterpolate\[=OPTIONS\] \| reference=DIR/],
      [['--quiet', 'decimate', 'x.mp4'], /decimate: put it first, as in daek-bench decimate FILE/],
      [['--method', 'reference'], /needs the folder of published frames/],
      [['--snu-film', '/s', '--snu-difficulties', 'easy,insane'], /unknown 'insane'/],
      [['middlebury'], /middlebury: give --middlebury DIR/],
      [['runtime', '--vimeo', '/v'], /runtime: takes no dataset flags/],
      [['--sizes', '12'], /expected WIDTHxHEIGHT/],
      [['--nope'], /Unknown option '--nope'/],
      [['--weights', 'daek=/a', '--weights', '/b'], /two paths for 'daek'/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseCommandLine(argv)).toThrow(UsageError);
      expect(() => parseCommandLine(argv)).toThrow(message);
    }
    expect(parseCommandLine(['--help'])).toEqual({help: true});
  });
});

describe('missing or partial dataset folders', () => {
  it('names a missing folder, the flag, and the expected layout', async () => {
    const missing = path.join(root, 'nothing-here');
    await expect(runBench(options(['table1', '--ucf101', missing, '--quiet', '--out', path.join(root, 'o1')])))
        .rejects.toThrow(`--ucf101 ${missing}: folder not found. Expected <root>/<id>/frame_00.png, frame_01_gt.png, frame_02.png`);
  });

  it('lists every missing file of a partial UCF101, Vimeo, Middlebury and SNU-FILM folder', async () => {
    const ucf = path.join(root, 'ucf');
    for (const id of ['1', '21']) {
      await writePng(path.join(ucf, id, 'frame_00.png'), patternImage(8, 8, 1));
      await writePng(path.join(ucf, id, 'frame_01_gt.png'), patternImage(8, 8, 2));
    }
    await writePng(path.join(ucf, '21', 'frame_02.png'), patternImage(8, 8, 3));
    mkdirSync(path.join(ucf, '31'));
    const ucfError = runBench(options(['table1', '--ucf101', ucf, '--quiet', '--out', path.join(root, 'o2')]));
    await expect(ucfError).rejects.toThrow(new RegExp(`UCF101 folder is incomplete: 4 file\\(s\\) missing\\.\\n` +
        `  missing: ${path.join(ucf, '1', 'frame_02.png')}\\n  missing: ${path.join(ucf, '31', 'frame_00.png')}`));

    const vimeo = path.join(root, 'vimeo');
    mkdirSync(path.join(vimeo, 'sequences', '00001', '0001'), {recursive: true});
    writeFileSync(path.join(vimeo, 'tri_testlist.txt'), '00001/0001\n00001/0002\n');
    await writePng(path.join(vimeo, 'sequences', '00001', '0001', 'im1.png'), patternImage(8, 8, 1));
    await expect(runBench(options(['table1', '--vimeo', vimeo, '--quiet', '--out', path.join(root, 'o3')])))
        .rejects.toThrow(/Vimeo-90K folder is incomplete: 5 file\(s\) missing\.\n {2}missing: .*00001\/0001\/im2\.png/);
    const noList = path.join(root, 'vimeo-empty');
    mkdirSync(noList);
    await expect(runBench(options(['table2', '--vimeo', noList, '--quiet', '--out', path.join(root, 'o4')])))
        .rejects.toThrow(`missing: ${path.join(noList, 'tri_testlist.txt')}`);

    const middlebury = path.join(root, 'middlebury');
    await writePng(path.join(middlebury, 'Beanbags', 'frame10.png'), patternImage(8, 8, 1));
    await expect(runBench(options(['middlebury', '--middlebury', middlebury, '--quiet', '--out', path.join(root, 'o5')])))
        .rejects.toThrow(/Middlebury Other folder is incomplete: 35 file\(s\) missing\.\n {2}missing: .*Beanbags\/frame10i11\.png[\s\S]*and 15 more/);

    const snu = path.join(root, 'snu');
    mkdirSync(snu);
    writeFileSync(path.join(snu, 'test-hard.txt'), 'GOPRO_test/a/1.png GOPRO_test/a/2.png GOPRO_test/a/3.png\n');
    await writePng(path.join(snu, 'GOPRO_test', 'a', '1.png'), patternImage(8, 8, 1));
    await expect(runBench(options(['table1', '--snu-film', snu, '--quiet', '--out', path.join(root, 'o6')])))
        .rejects.toThrow(`missing: ${path.join(snu, 'test-easy.txt')}`);
    await expect(runBench(options(['table1', '--snu-film', snu, '--snu-difficulties', 'hard', '--quiet', '--out', path.join(root, 'o6')])))
        .rejects.toThrow(/SNU-FILM hard folder is incomplete: 2 file\(s\) missing\.\n {2}missing: .*GOPRO_test\/a\/2\.png/);
  });

  it('lists the published frames a reference method lacks', async () => {
    const ucf = path.join(root, 'ucf-ok');
    for (const id of ['1', '2']) {
      for (const [i, f] of ['frame_00.png', 'frame_01_gt.png', 'frame_02.png'].entries()) await writePng(path.join(ucf, id, f), patternImage(8, 8, i));
    }
    await writePng(path.join(ucf, '2', 'frame_01_ours.png'), patternImage(8, 8, 9));
    await expect(runBench(options(['table1', '--ucf101', ucf, '--method', `reference=${ucf}`, '--quiet', '--out', path.join(root, 'o7')])))
        .rejects.toThrow(`reference (frame_01_ours.png): 1 of the 2 published frames for UCF101 are missing (pattern ` +
            `${path.join(ucf, '{id}/frame_01_ours.png')}).\n  missing: ${path.join(ucf, '1', 'frame_01_ours.png')}`);
  });
});

describe('--resume', () => {
  it('continues from the per-triplet CSV and gives the numbers of an uninterrupted run', async () => {
    const out = path.join(root, 'resume');
    const argv = ['table1', '--synthetic', '5', '--synthetic-size', '64x48', '--method', 'average', '--runs', '0', '--quiet', '--out', out];
    const full = await runBench(options(argv));
    const csv = path.join(out, 'triplets.csv');
    const rows = readTripletCsv(csv);
    expect(rows.map((r) => [r.index, r.dataset, r.method])).toEqual([0, 1, 2, 3, 4].map((i) => [i, 'synthetic', 'frame average']));
    // a run killed after two triplets, mid-way through writing the third line
    const lines = readFileSync(csv, 'utf8').split('\n');
    writeFileSync(csv, `${lines.slice(0, 3).join('\n')}\n${lines[3].slice(0, 20)}`);
    const resumed = await runBench(options([...argv, '--resume']));
    const result = (r: typeof full) => (r.json.methods as {results: {resumed: number; count: number; means: object}[]}[])[0].results[0];
    expect(result(resumed).resumed).toBe(2);
    expect(result(resumed).count).toBe(5);
    expect(result(resumed).means).toEqual(result(full).means);
    expect(resumed.markdown).toContain('2 triplets resumed from the CSV');
    expect(readTripletCsv(csv)).toHaveLength(5);
    // another configuration (a different seed) reuses nothing
    const other = await runBench(options([...argv, '--seed', '9', '--resume']));
    expect(result(other).resumed).toBe(0);
    // without --resume the CSV starts afresh
    await runBench(options(argv));
    expect(readTripletCsv(csv)).toHaveLength(5);
  });

  it('--limit scores the first N triplets and says the result is a subset', async () => {
    const ucf = path.join(root, 'ucf-limit');
    for (const id of ['1', '2']) {
      for (const [i, f] of ['frame_00.png', 'frame_01_gt.png', 'frame_02.png'].entries()) await writePng(path.join(ucf, id, f), patternImage(8, 8, i));
    }
    const report = await runBench(options(['table1', '--ucf101', ucf, '--method', 'average', '--limit', '1', '--runs', '0', '--quiet',
      '--out', path.join(root, 'limit')]));
    expect(report.markdown).toContain('| UCF101 (1 of 379) PSNR/SSIM |');
    expect(report.markdown).toContain('1 of 379 triplets (subset: --limit 1 of the 2 in the folder');
    expect(report.markdown).toContain('**Subset:** UCF101 scored on 1 of its 379 triplets');
  });

  it('--triplets scores folders of ready-made triplets, named by their paths', async () => {
    const dir = path.join(root, 'triplet-folders');
    for (const id of ['clip/f0001', 'clip/f0009']) {
      for (const [i, f] of ['frame0.png', 'gt.png', 'frame1.png'].entries()) await writePng(path.join(dir, id, f), patternImage(8, 8, i));
    }
    const report = await runBench(options(['table1', '--triplets', dir, '--method', 'average', '--runs', '0', '--quiet',
      '--out', path.join(root, 'triplets')]));
    expect(report.markdown).toContain('triplets triplet-folders');
    const rows = readTripletCsv(path.join(root, 'triplets', 'triplets.csv'));
    expect(rows.map((r) => r.id)).toEqual(['clip/f0001', 'clip/f0009']);
  });
});

describe('the real launcher (bin/daek-bench.mjs)', () => {
  it('runs the embedded default under npm start, writes where the user ran npm, and says that path', () => {
    // `npm start -w @daek/benchmark` runs the script in apps/benchmark with INIT_CWD = where npm was run
    const userFolder = path.join(root, 'where-npm-ran');
    mkdirSync(userFolder);
    const out = path.join(userFolder, 'daek-bench-results', 'default');
    const run = runCli(['--limit', '1', '--warmup', '0', '--runs', '1'],
      {env: {npm_lifecycle_event: 'start', npm_package_name: '@daek/benchmark', INIT_CWD: userFolder}});
    expect(run.stderr).toContain(`wrote ${path.join('daek-bench-results', 'default', 'results.md')}, results.json`);
    expect(run.stderr).not.toMatch(/daek-bench: error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('# daek-bench: the embedded default');
    expect(run.stdout).toMatch(/\| frame average \| \d+\.\d\d\/0\.\d{4} \| 0 \| — \| 0\.\d{3} \| — \|/);
    expect(run.stdout).toContain('synthetic (1) PSNR/SSIM');
    expect(run.stdout).toContain('### Protocol');
    // the shipped default model ran with its trained weights and createInterpolator()'s default refinement (the row
    // says so), and nothing says "random init" next to it
    expect(run.stdout).toMatch(/\| default \([a-z0-9-]+\) \+ refine \| \d+\.\d\d\/0\.\d{4} \| \d+\.\d\d \|/);
    expect(run.stdout).toContain('trained weights shipped with @daek/models');
    expect(run.stdout).not.toMatch(/random init/i);
    expect(run.stdout).toMatch(/\| minterpolate \| (\d+\.\d\d\/0\.\d{4}|unavailable) \|/);
    expect(run.stderr).toMatch(/synthetic \| frame average \[#+\] 1\/1/);
    for (const file of ['results.md', 'results.json', 'chart.png', 'triplets.csv']) expect(existsSync(path.join(out, file))).toBe(true);
    expect(readFileSync(path.join(out, 'chart.png')).subarray(1, 4).toString()).toBe('PNG');
    const json = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(json.command).toBe('default');
    expect(json.paper.rows).toHaveLength(7);
  });

  it('exits with status 2 and a message listing what is missing', () => {
    const run = runCli(['table1', '--ucf101', path.join(root, 'ucf'), '--quiet']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('daek-bench: error: --ucf101');
    expect(run.stderr).toContain(`missing: ${path.join(root, 'ucf', '1', 'frame_02.png')}`);
    expect(run.stdout).toBe('');
  });
});
