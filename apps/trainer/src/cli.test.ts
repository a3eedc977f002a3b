// The daek-train command line: --help documents every flag, flags map to settings, mistakes are usage errors,
// and missing or empty data stops the run before any training with a message naming the problem.
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {mkdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {FLAG_NAMES, parseCommandLine, USAGE, UsageError} from './args.js';
import {main} from './cli.js';
import {train} from './run.js';
import {removeFolder, runCli, temporaryFolder, tinySettings, TINY_FLAGS} from '../test/helpers.js';

let root: string;
beforeAll(() => {
  root = temporaryFolder();
});
afterAll(() => removeFolder(root));

describe('--help', () => {
  it('documents every flag, through the real launcher', () => {
    const {status, stdout} = runCli(['--help']);
    expect(status).toBe(0);
    expect(stdout).toBe(`${USAGE}\n`);
    for (const flag of FLAG_NAMES) expect(stdout).toContain(`--${flag}`);
    for (const source of ['synthetic', 'vimeo:DIR', 'ucf101:DIR', 'video:FILE', 'frames:DIR']) expect(stdout).toContain(source);
    for (const word of ['teacher', 'preset', 'epochs', 'steps', 'batch', 'crop', 'seed', 'backend', 'val-every', 'out']) {
      expect(stdout).toContain(word);
    }
  });

  it('is what the README shows', () => {
    const readme = readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`text\n${USAGE}\n\`\`\``);
  });
});

describe('flags', () => {
  it('defaults to the spec recipe on synthetic data', () => {
    const parsed = parseCommandLine([]);
    if (parsed.help) throw new Error('unexpected help');
    const s = parsed.options.settings;
    expect([s.data, s.batch, s.crop, s.lr, s.lrMin, s.weightDecay, s.epochs, s.seed]).toEqual(['synthetic', 32, 224, 1e-4, 1e-6, 1e-3, 300, 1234]);
    expect(s.model).toEqual({model: 'daek', preset: 'daek-s', overrides: {}}); // issue 13: a default that fits a CPU
    expect(parsed.options.backend).toBeUndefined(); // train() takes wasm for a new run, the run's own on --resume
    expect(parsed.options.given).toEqual([]);
  });

  it('maps every flag of a tiny run and records which were given', () => {
    const parsed = parseCommandLine([...TINY_FLAGS, '--teacher', 'none', '--config', '{"teacherWidth":8}', '--out', 'x']);
    if (parsed.help) throw new Error('unexpected help');
    expect(parsed.options.settings).toEqual({...tinySettings(),
      model: {model: 'ifnet', preset: 'tiny', overrides: {teacherWidth: 8}, teacher: 'none'}});
    expect(parsed.options.out).toBe(path.resolve('x'));
    expect(parsed.options.given).toContain('model');
    expect(parsed.options.given).not.toContain('epochs');
  });

  it('rejects mistakes with a usage error saying what was expected', () => {
    const bad: [string[], RegExp][] = [
      [['--data', 'imagenet:/x'], /expected synthetic, vimeo:DIR, ucf101:DIR, video:FILE or frames:DIR/],
      [['--crop', '100'], /multiple of 16/],
      [['--crop', '32'], /integer >= 64/],
      [['--epochs', '2', '--steps', '3'], /--epochs or --steps, not both/],
      [['--model', 'amt'], /--model: expected one of daek, ifnet/],
      [['--model', 'ifnet', '--preset', 'daek-f-ca'], /not a ifnet preset/],
      [['--config', '{bad'], /--config: not valid JSON/],
      [['--lr=-1'], /--lr: expected a number >= 0/],
      [['--lr', '1e-6', '--lr-min', '1e-4'], /--lr-min .* is above --lr/],
      [['--synthetic-size', '12'], /WIDTHxHEIGHT/],
      [['--nope'], /Unknown option '--nope'/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseCommandLine(argv)).toThrow(UsageError);
      expect(() => parseCommandLine(argv)).toThrow(message);
    }
  });
});

describe('data errors: it never trains on nothing', () => {
  it('a missing dataset folder is an error naming it (exit status 2)', async () => {
    const missing = path.join(root, 'no-such-vimeo');
    await expect(train({settings: tinySettings({data: `vimeo:${missing}`}), out: path.join(root, 'a')}))
      .rejects.toThrow(`dataset root not found: ${missing}`);
    expect(await main(['--data', `frames:${missing}`, '--out', path.join(root, 'b'), '--quiet'])).toBe(2);
  });

  it('an empty folder is an error, and so is a set too small for one batch', async () => {
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    await expect(train({settings: tinySettings({data: `frames:${empty}`}), out: path.join(root, 'c')})).rejects.toThrow(/no frames/);
    await expect(train({settings: tinySettings({data: `ucf101:${empty}`}), out: path.join(root, 'd')})).rejects.toThrow(/no sample folders/);
    await expect(train({settings: tinySettings({syntheticCount: 1}), out: path.join(root, 'e')}))
      .rejects.toThrow(/1 triplet\(s\) make no batch of 2/);
    await expect(train({settings: tinySettings({crop: 128}), out: path.join(root, 'f')}))
      .rejects.toThrow(/frames are 96x96, smaller than the 128x128 crop/);
  });

  it('--resume needs a checkpoint', async () => {
    await expect(train({settings: tinySettings(), out: path.join(root, 'g'), resume: true})).rejects.toThrow(/--resume: no checkpoint/);
  });
});
