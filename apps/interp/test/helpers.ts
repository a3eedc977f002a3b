// Helpers for daek-interp's tests: clips made with ffmpeg, a cheap deterministic engine, running the command
// in-process and through the real launcher, reading frames back.
import {spawn, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {Engine, EngineFactory} from '../src/engine.js';
import {main} from '../src/cli.js';

/** The app folder. */
export const APP_ROOT = path.resolve(import.meta.dirname, '..');

/** Whether ffmpeg and ffprobe run. */
export const HAVE_FFMPEG = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;

/** A fresh temporary folder. */
export function temporaryFolder(prefix = 'daek-interp-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Remove a folder. */
export function removeFolder(dir: string): void {
  rmSync(dir, {recursive: true, force: true});
}

/** Run ffmpeg with arguments; throws with its stderr on failure. */
export function ffmpeg(...args: string[]): void {
  const result = spawnSync('ffmpeg', ['-nostdin', '-hide_banner', '-v', 'error', '-y', ...args], {encoding: 'utf8'});
  if (result.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${result.stderr}`);
}

/** ffprobe JSON of a file. */
export function probe(file: string, entries: string, select?: string): {streams: Record<string, unknown>[]; format?: Record<string, unknown>; packets?: Record<string, unknown>[]; frames?: Record<string, unknown>[]} {
  const result = spawnSync('ffprobe', ['-v', 'error', ...(select ? ['-select_streams', select] : []), '-show_entries', entries, '-of', 'json', file],
    {encoding: 'utf8', maxBuffer: 1 << 26});
  if (result.status !== 0) throw new Error(`ffprobe ${file}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Decoded RGB frames of a file's first video stream, as stored (no autorotation). */
export function decodeFrames(file: string, width: number, height: number): Buffer[] {
  const result = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-noautorotate', '-i', file, '-map', '0:v:0', '-fps_mode', 'passthrough',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {maxBuffer: 1 << 28});
  if (result.status !== 0) throw new Error(`decode ${file}: ${result.stderr}`);
  const size = width * height * 3;
  const frames: Buffer[] = [];
  for (let o = 0; o + size <= result.stdout.length; o += size) frames.push(result.stdout.subarray(o, o + size));
  return frames;
}

/** md5 of every audio packet of a file (the bytes, in order). */
export function audioPacketHash(file: string): string {
  const result = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-map', '0:a:0', '-c', 'copy', '-f', 'framemd5', '-'], {encoding: 'utf8'});
  if (result.status !== 0) throw new Error(`framemd5 ${file}: ${result.stderr}`);
  // Columns: stream, dts, pts, duration, size, hash; keep size and hash (timestamps are rebased by the muxer).
  return createHash('md5').update(result.stdout.split('\n').filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(',').slice(4).join(',')).join('\n')).digest('hex');
}

/**
 * A cheap deterministic engine: the per-byte mean of the two frames, rounded half up. Counts its calls.
 */
export function averageEngine(): {factory: EngineFactory; calls: () => number} {
  let calls = 0;
  const factory: EngineFactory = async () => {
    const engine: Engine = {
      name: 'test-average', model: 'average', weights: 'none',
      async middle(a, b) {
        calls++;
        const data = new Uint8Array(a.data.length);
        for (let i = 0; i < data.length; i++) data[i] = (a.data[i]! + b.data[i]! + 1) >> 1;
        return {data, width: a.width, height: a.height};
      },
      dispose() {},
    };
    return engine;
  };
  return {factory, calls: () => calls};
}

/** A string sink that looks like a stream. */
export function sink(): {stream: {write(t: string): boolean; isTTY: boolean}; text: () => string} {
  let text = '';
  return {stream: {write: (t: string) => { text += t; return true; }, isTTY: false}, text: () => text};
}

/** Run the command in-process with the average engine; returns status, stdout, stderr. */
export async function runInProcess(argv: string[], options: {factory?: EngineFactory; signal?: AbortSignal; onFrame?: (i: number) => void} = {}):
    Promise<{code: number; stdout: string; stderr: string}> {
  const out = sink();
  const err = sink();
  const code = await main(argv, {stdout: out.stream, stderr: err.stream, createEngine: options.factory ?? averageEngine().factory,
    ...(options.signal ? {signal: options.signal} : {}), ...(options.onFrame ? {onFrame: options.onFrame} : {})});
  return {code, stdout: out.text(), stderr: err.text()};
}

/** Run the real launcher (bin/daek-interp.mjs) as a user would. */
export function runLauncher(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(APP_ROOT, 'bin/daek-interp.mjs'), ...argv],
      {env: {...process.env, NODE_OPTIONS: '', ...env}, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => { stdout += t; });
    child.stderr.setEncoding('utf8').on('data', (t: string) => { stderr += t; });
    child.on('close', (code) => resolve({code, stdout, stderr}));
  });
}

/**
 * A test clip: a pattern that moves every frame (`frames` frames of `size` at `rate`), optional sine audio of the
 * same duration, in `codec` (default lossless-ish H.264 4:4:4). With `cutAt`, frames from that index on show a
 * different scene (a hard cut).
 */
export function makeClip(file: string, options: {size?: string; rate?: string; frames: number; audio?: boolean; codec?: string[];
  cutAt?: number; extra?: string[]}): void {
  const {size = '64x48', rate = '25', frames, audio = false, codec = ['-c:v', 'libx264', '-pix_fmt', 'yuv444p', '-crf', '8'], cutAt} = options;
  const [num, den = '1'] = rate.split('/');
  const duration = (frames * Number(den)) / Number(num);
  const c = cutAt ?? frames + 1;
  const pattern = `nullsrc=s=${size}:r=${rate},geq=r='if(lt(N\\,${c})\\,mod(X*4+N*6\\,256)\\,220)':` +
    `g='if(lt(N\\,${c})\\,mod(Y*5+N*3\\,256)\\,mod(X*2+N*5\\,40))':b='if(lt(N\\,${c})\\,mod((X+Y)*2\\,256)\\,30)'`;
  const inputs = ['-f', 'lavfi', '-i', pattern];
  if (audio) inputs.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${duration}`);
  ffmpeg(...inputs, '-t', String(duration), ...codec, ...(audio ? ['-c:a', 'aac', '-b:a', '96k'] : []), ...(options.extra ?? []), file);
}
