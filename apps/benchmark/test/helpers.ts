// Helpers for the benchmark's tests: temporary folders, small images, the shared real data, a stand-in
// @daek/models, and running the real daek-bench launcher.
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {writeImage, type RgbImage} from '@daek/datasets';
import type {InterpolatorLike, ModelsModule} from '../src/methods/method_model.js';

/** The app folder. */
export const APP_ROOT = path.resolve(import.meta.dirname, '..');

/** The repository root. */
export const REPO_ROOT = path.resolve(APP_ROOT, '../..');

/** The shared real data, `../shared/data` beside the repository (`DAEK_SHARED_DATA` overrides it). */
export const SHARED_DATA = process.env.DAEK_SHARED_DATA ?? path.resolve(REPO_ROOT, '../shared/data');

/** A fresh temporary folder. */
export function temporaryFolder(prefix = 'daek-bench-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Remove a temporary folder. */
export function removeFolder(dir: string): void {
  rmSync(dir, {recursive: true, force: true});
}

/** A seeded image of varied bytes. */
export function patternImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    data[i] = x & 255;
  }
  return {data, width, height};
}

/** Write a PNG, creating folders. */
export async function writePng(file: string, image: RgbImage): Promise<void> {
  await writeImage(file, image);
}

/** What the stand-in model saw. */
export interface FakeCalls {
  /** Options of each createInterpolator call. */
  created: Record<string, unknown>[];
  /** Input shapes of each interpolate call. */
  shapes: number[][];
  /** Interpolators disposed. */
  disposed: number;
}

/**
 * A stand-in for @daek/models with the issue-4 API: its interpolator averages the two frames with tfjs ops
 * (so a correct pad/crop gives exactly the frame average), and counts parameters like DAEK.
 */
export function fakeModels(): {models: ModelsModule; calls: FakeCalls} {
  const calls: FakeCalls = {created: [], shapes: [], disposed: 0};
  const models: ModelsModule = {
    DAEK_PRESETS: ['daek', 'baseline', 'daek-f-ca', 'daek-f-sfa', 'daek-f-da', 'daek-da', 'daek-no-distill', 'daek-rt', 'rife-ot'],
    createInterpolator: async (options) => {
      calls.created.push({...options});
      const interpolator: InterpolatorLike = {
        network: {parameterCount: () => ({total: 22_511_931, student: 19_760_329, teacher: 2_751_602})},
        interpolate: async (a, b) => {
          calls.shapes.push([...a.shape]);
          return tf.tidy(() => tf.div(tf.add(a, b), 2) as tf.Tensor4D);
        },
        dispose: () => {
          calls.disposed++;
        },
      };
      return interpolator;
    },
  };
  return {models, calls};
}

/** Run the real launcher (bin/daek-bench.mjs) and collect its output. */
export function runCli(args: string[], options: {cwd?: string; timeout?: number; env?: Record<string, string>} = {}):
    {status: number | null; stdout: string; stderr: string} {
  const result = spawnSync(process.execPath, [path.join(APP_ROOT, 'bin/daek-bench.mjs'), ...args], {
    cwd: options.cwd ?? APP_ROOT, encoding: 'utf8', timeout: options.timeout ?? 300_000,
    env: {...process.env, NODE_OPTIONS: '', ...options.env},
  });
  return {status: result.status, stdout: result.stdout, stderr: result.stderr};
}
