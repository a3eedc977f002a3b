// daek-export: writes a loadable .onnx of the shipped daek-s, float16 on request; bad arguments say what to change.
import {afterAll, beforeAll, describe, expect, it, jest} from '@jest/globals';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {main} from './cli.js';
import {readModelInfo} from './runtime/model_info.js';

let dir: string;
let stdout: string[];
let stderr: string[];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'daek-export-'));
});

afterAll(() => rmSync(dir, {recursive: true, force: true}));

async function run(args: string[]): Promise<number> {
  stdout = [];
  stderr = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (stdout.push(String(s)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
  try {
    return await main(args);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('daek-export', () => {
  it('exports the shipped daek-s, float32 and --fp16, to files ONNX Runtime metadata readers accept', async () => {
    const file = path.join(dir, 'daek-s.onnx');
    expect(await run(['--model', 'daek-s', '--out', file])).toBe(0);
    const info = readModelInfo(readFileSync(file));
    expect(info).toMatchObject({model: 'daek-s', precision: 'float32', opset: 17});
    expect(stdout.join('')).toMatch(/daek-s\.onnx: daek-s, 8\.\d\d MB, float32 weights, opset 17/);
    const half = path.join(dir, 'daek-s.fp16.onnx');
    expect(await run(['--model', 'daek-s', '--out', half, '--fp16', '--correlation', 'memory-light'])).toBe(0);
    expect(readModelInfo(readFileSync(half))).toMatchObject({precision: 'float16', weightsSha256: info.weightsSha256});
    // Same weights as the .onnx shipped with the package.
    const shipped = readModelInfo(readFileSync(new URL('../models/daek-s.onnx', import.meta.url)));
    expect(shipped.weightsSha256).toBe(info.weightsSha256);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('says what is wrong with the arguments', async () => {
    expect(await run(['--model', 'daek-s'])).toBe(2);
    expect(stderr.join('')).toMatch(/--out is required/);
    expect(await run(['--model', 'daek', '--out', path.join(dir, 'x.onnx')])).toBe(2);
    expect(stderr.join('')).toMatch(/no weights ship for daek; pass --weights/);
    expect(await run(['--model', 'daek-s', '--out', path.join(dir, 'x.onnx'), '--correlation', 'dense'])).toBe(2);
    expect(stderr.join('')).toMatch(/--correlation must be all-pairs or memory-light/);
    expect(await run(['--bogus'])).toBe(2);
    expect(await run(['--help'])).toBe(0);
    expect(stdout.join('')).toMatch(/usage: daek-export --model/);
  });

  it('runs as a command (bin/daek-export.mjs)', () => {
    const bin = new URL('../bin/daek-export.mjs', import.meta.url).pathname;
    expect(execFileSync(process.execPath, [bin, '--help'], {encoding: 'utf8'})).toMatch(/usage: daek-export/);
  });
});
