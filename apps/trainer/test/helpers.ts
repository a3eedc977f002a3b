// Helpers for the trainer's tests: temporary folders, tiny run settings, reading a run's log, and running the
// real daek-train launcher.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {DEFAULT_SETTINGS, type RunSettings} from '../src/run.js';
import type {LogRecord, StepRecord} from '../src/log.js';

/** The app folder. */
export const APP_ROOT = path.resolve(import.meta.dirname, '..');

/** A fresh temporary folder. */
export function temporaryFolder(prefix = 'daek-train-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Remove a temporary folder. */
export function removeFolder(dir: string): void {
  rmSync(dir, {recursive: true, force: true});
}

/**
 * A run small enough for a test: the tiny IFNet (block widths 16, with RIFE's teacher) on 8 synthetic 96x96
 * triplets, 64x64 crops, batch 2, 4 steps at lr 1e-3, validation on 2 held-out triplets every 2 steps.
 */
export function tinySettings(overrides: Partial<RunSettings> = {}): RunSettings {
  return {
    ...structuredClone(DEFAULT_SETTINGS) as RunSettings,
    model: {model: 'ifnet', preset: 'tiny', overrides: {}},
    syntheticCount: 8, syntheticSize: [96, 96], crop: 64, batch: 2, steps: 4, lr: 1e-3, valCount: 2, valEvery: 2, logEvery: 1,
    ...overrides,
  };
}

/** The same run as command-line flags. */
export const TINY_FLAGS = ['--model', 'ifnet', '--preset', 'tiny', '--synthetic-count', '8', '--synthetic-size', '96x96',
  '--crop', '64', '--batch', '2', '--steps', '4', '--lr', '1e-3', '--val-count', '2', '--val-every', '2',
  '--backend', 'wasm', '--log-every', '1'];

/** Run options for tests: the wasm backend, no bar, messages discarded. */
export const QUIET = {backend: 'wasm', quiet: true, stream: {write: () => true}} as const;

/** A run's log records. */
export function readLog(out: string): LogRecord[] {
  return readFileSync(path.join(out, 'log.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogRecord);
}

/** The logged training steps of a run. */
export function stepRecords(out: string): StepRecord[] {
  return readLog(out).filter((r): r is StepRecord => r.type === 'train');
}

/** The environment for a child: no jest `NODE_OPTIONS`. */
const childEnv = () => ({...process.env, NODE_OPTIONS: ''});

/** Run the real launcher (bin/daek-train.mjs) to completion and collect its output. */
export function runCli(args: string[], timeout = 300_000): {status: number | null; stdout: string; stderr: string} {
  const result = spawnSync(process.execPath, [path.join(APP_ROOT, 'bin/daek-train.mjs'), ...args], {
    cwd: APP_ROOT, encoding: 'utf8', timeout, env: childEnv(),
  });
  return {status: result.status, stdout: result.stdout, stderr: result.stderr};
}

/** Start the real launcher in the background. */
export function startCli(args: string[]): {child: ChildProcess; stderr: () => string; exited: Promise<number | null>} {
  const child = spawn(process.execPath, [path.join(APP_ROOT, 'bin/daek-train.mjs'), ...args], {
    cwd: APP_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {child, stderr: () => stderr, exited};
}

/** Wait until `check` is true (polling), or fail after `timeout` ms. */
export async function waitFor(check: () => boolean, timeout: number, what: string): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
