// `daek-train --backend webgpu` in Node (the npm package `webgpu`, Dawn, on whatever Vulkan driver is installed;
// CI: SwiftShader). Run through the real CLI, because jest cannot load the ESM-only `webgpu` package itself.
// Two steps of the tiny IFNet with RIFE's teacher must give wasm's losses to float tolerance and a student
// that loads.
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {webgpuSkipReason} from '@daek/testing';
import {removeFolder, runCli, stepRecords, temporaryFolder} from '../test/helpers.js';

const reason = webgpuSkipReason();
const FLAGS = ['--model', 'ifnet', '--preset', 'tiny', '--synthetic-count', '2', '--synthetic-size', '64x64', '--crop', '64',
  '--batch', '2', '--steps', '2', '--lr', '1e-3', '--val', 'none', '--log-every', '1', '--quiet'];

let root: string;
beforeAll(() => {
  root = temporaryFolder();
});
afterAll(() => removeFolder(root));

(reason ? describe.skip : describe)(`daek-train --backend webgpu${reason ? ` (skipped: ${reason})` : ''}`, () => {
  it('trains two steps with the losses of the wasm backend and exports the student', () => {
    const gpu = runCli([...FLAGS, '--backend', 'webgpu', '--out', path.join(root, 'webgpu')], 600_000);
    expect([gpu.status, gpu.stderr.slice(-2000)]).toEqual([0, expect.stringContaining('backend webgpu')]);
    const cpu = runCli([...FLAGS, '--backend', 'wasm', '--out', path.join(root, 'wasm')]);
    expect(cpu.status).toBe(0);
    const losses = (dir: string) => stepRecords(path.join(root, dir)).map((r) => r.loss);
    const [a, b] = [losses('webgpu'), losses('wasm')];
    expect(a).toHaveLength(2);
    // The first step runs the same weights on the same batch; the second after one AdamW update of each.
    for (let i = 0; i < 2; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-4 * Math.max(1, b[i]!) + 1e-5);
    expect(existsSync(path.join(root, 'webgpu', 'student', 'model.json'))).toBe(true);
  }, 900_000);
});
