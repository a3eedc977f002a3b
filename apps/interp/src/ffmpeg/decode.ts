// Decoding to raw RGB frames through a pipe: ffmpeg writes rgb24 bytes, this side cuts them into frames. A few
// frames are read ahead while the model works, so ffmpeg decodes in parallel with inference. Every ffmpeg runs in
// its own process group (detached): a terminal's Ctrl-C must reach daek-interp only, which then stops them itself.
import {spawn, type ChildProcess} from 'node:child_process';
import type {RgbImage} from '@daek/datasets';
import {swsMatrix, swsRange} from './colour.js';
import type {VideoInfo} from './probe.js';
import type {Ffmpeg} from './tools.js';

/** Frames read ahead of the consumer. */
const READ_AHEAD = 4;

/** A stream of decoded frames. Call {@link FrameDecoder.close} when done (kills ffmpeg if still running). */
export class FrameDecoder {
  private readonly child: ChildProcess;
  private readonly frames: Uint8Array[] = [];
  private partial: Uint8Array;
  private filled = 0;
  private ended = false;
  private failure: Error | null = null;
  private waiter: (() => void) | null = null;
  private stderr = '';
  private readonly closed: Promise<number | null>;
  private readonly frameBytes: number;
  /** Frames handed out so far. */
  count = 0;

  /**
   * Start decoding.
   *
   * @param ff the executables.
   * @param file the input.
   * @param info its probe.
   */
  constructor(ff: Ffmpeg, private readonly file: string, private readonly info: VideoInfo) {
    this.frameBytes = info.width * info.height * 3;
    this.partial = new Uint8Array(this.frameBytes);
    const matrix = swsMatrix(info.colour.space);
    const range = swsRange(info.colour.range);
    const scale = [matrix && `in_color_matrix=${matrix}`, range && `in_range=${range}`].filter(Boolean).join(':');
    const sync = ff.version[0] > 5 || (ff.version[0] === 5 && ff.version[1] >= 1) || ff.version[0] === 0 ? '-fps_mode' : '-vsync';
    const args = ['-nostdin', '-hide_banner', '-v', 'error', '-noautorotate', '-i', file, '-map', `0:${info.videoIndex}`,
      sync, 'passthrough', ...(scale ? ['-vf', `scale=${scale}`] : []), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];
    this.child = spawn(ff.ffmpeg, args, {stdio: ['ignore', 'pipe', 'pipe'], detached: true});
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (text: string) => { this.stderr = (this.stderr + text).slice(-4000); });
    this.child.on('error', (error) => { this.failure = error; this.wake(); });
    this.closed = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
    const out = this.child.stdout!;
    out.on('data', (chunk: Buffer) => this.push(chunk));
    out.on('end', () => { this.ended = true; this.wake(); });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      const n = Math.min(this.frameBytes - this.filled, chunk.length - i);
      this.partial.set(chunk.subarray(i, i + n), this.filled);
      this.filled += n;
      i += n;
      if (this.filled === this.frameBytes) {
        this.frames.push(this.partial);
        this.partial = new Uint8Array(this.frameBytes);
        this.filled = 0;
      }
    }
    if (this.frames.length >= READ_AHEAD) this.child.stdout!.pause();
    this.wake();
  }

  /** The next frame, or null at the end of the stream. @throws Error when ffmpeg fails. */
  async next(): Promise<RgbImage | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      const frame = this.frames.shift();
      if (frame) {
        if (this.frames.length < READ_AHEAD) this.child.stdout!.resume();
        this.count++;
        return {data: frame, width: this.info.width, height: this.info.height};
      }
      if (this.ended) {
        const code = await this.closed;
        if (code !== 0) throw new Error(`ffmpeg failed to decode ${this.file} after ${this.count} frames (exit code ${code}): ${this.stderr.trim() || 'no message'}`);
        return null;
      }
      await new Promise<void>((resolve) => { this.waiter = resolve; });
    }
  }

  /** Stop decoding. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.closed;
  }
}
