// Finding ffmpeg and ffprobe on PATH, and running them to completion.
import {spawn, spawnSync} from 'node:child_process';
import {InterpError} from '../errors.js';

/** The two executables and what the installed build supports. */
export interface Ffmpeg {
  /** ffmpeg executable. */
  ffmpeg: string;
  /** ffprobe executable. */
  ffprobe: string;
  /** Major and minor version (0.0 when unknown, e.g. a git build). */
  version: [number, number];
}

const INSTALL = 'install it (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) ' +
  'so that ffmpeg and ffprobe are on PATH';

let found: Ffmpeg | undefined;

/**
 * Find ffmpeg and ffprobe on PATH (or `DAEK_FFMPEG` / `DAEK_FFPROBE`).
 *
 * @throws InterpError (missing-ffmpeg) saying how to install them.
 */
export function findFfmpeg(): Ffmpeg {
  const ffmpeg = process.env.DAEK_FFMPEG ?? 'ffmpeg';
  const ffprobe = process.env.DAEK_FFPROBE ?? 'ffprobe';
  if (found && found.ffmpeg === ffmpeg && found.ffprobe === ffprobe) return found;
  const check = (exe: string): string => {
    const result = spawnSync(exe, ['-hide_banner', '-version'], {encoding: 'utf8', timeout: 20000});
    if (result.error || result.status !== 0) {
      const why = result.error ? (result.error as NodeJS.ErrnoException).code ?? result.error.message : `exit code ${result.status}`;
      throw new InterpError('missing-ffmpeg', `${exe} was not found or does not run (${why}); daek-interp reads and writes video with it: ${INSTALL}`);
    }
    return result.stdout;
  };
  const text = check(ffmpeg);
  check(ffprobe);
  const match = /version\s+n?(\d+)\.(\d+)/.exec(text);
  found = {ffmpeg, ffprobe, version: match ? [Number(match[1]), Number(match[2])] : [0, 0]};
  return found;
}

/** Run a command to the end; resolves with its stdout, rejects with its stderr tail. */
export function runTool(exe: string, args: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, args, {stdio: ['ignore', 'pipe', 'pipe'], detached: true});
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => { err = (err + text).slice(-6000); });
    child.on('error', (error) => reject(new Error(`${what}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${what} failed (exit code ${code}): ${err.trim() || 'no message'}`));
    });
  });
}
