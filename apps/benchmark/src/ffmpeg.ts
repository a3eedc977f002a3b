// ffmpeg and ffprobe, found on PATH: run them with bytes piped in and out (no temporary files), and say
// plainly when they are missing rather than failing with spawn's ENOENT.
import {spawn, spawnSync} from 'node:child_process';

/** The command to run for ffmpeg (`DAEK_FFMPEG` overrides the PATH lookup; tests use it to simulate absence). */
export function ffmpegCommand(): string {
  return process.env.DAEK_FFMPEG ?? 'ffmpeg';
}

/** The command to run for ffprobe (`DAEK_FFPROBE` overrides the PATH lookup). */
export function ffprobeCommand(): string {
  return process.env.DAEK_FFPROBE ?? 'ffprobe';
}

/** The message for a missing tool, with the fix. */
function missingTool(tool: string, command: string, purpose: string): Error {
  return new Error(`${tool} not found (tried '${command}' on PATH); ${purpose} needs it. Install ffmpeg ` +
      '(Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg) and make sure it is on PATH.');
}

/**
 * Check that ffmpeg runs and (when `filter` is given) has that filter compiled in.
 *
 * @returns the first line of `ffmpeg -version`.
 * @throws Error naming the missing tool or filter and how to get it.
 */
export function checkFfmpeg(purpose: string, filter?: string): string {
  const command = ffmpegCommand();
  const version = spawnSync(command, ['-hide_banner', '-version'], {encoding: 'utf8'});
  if (version.error || version.status !== 0) throw missingTool('ffmpeg', command, purpose);
  if (filter !== undefined) {
    const help = spawnSync(command, ['-hide_banner', '-h', `filter=${filter}`], {encoding: 'utf8'});
    if (help.status !== 0 || /Unknown filter/i.test(`${help.stdout}${help.stderr}`)) {
      throw new Error(`${command} has no '${filter}' filter (a minimal build?); ${purpose} needs a full ffmpeg build.`);
    }
  }
  return version.stdout.split('\n')[0].trim();
}

/**
 * Run a tool with `input` on stdin and return its stdout.
 *
 * @throws Error with the tool's stderr when it exits non-zero, or the missing-tool message.
 */
export function runTool(command: string, args: readonly string[], input: Uint8Array | undefined, purpose: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {stdio: ['pipe', 'pipe', 'pipe']});
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? missingTool(command.includes('probe') ? 'ffprobe' : 'ffmpeg', command, purpose) : error);
    });
    // a tool that exits early closes stdin under us: its exit status says why, not EPIPE
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${command} exited with status ${code} (${purpose}): ${Buffer.concat(err).toString().trim().slice(-800)}`));
    });
    if (input) child.stdin.end(input);
    else child.stdin.end();
  });
}
