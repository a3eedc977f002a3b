// Encoding raw RGB frames piped into ffmpeg, one segment file at a time (a segment is complete when ffmpeg has
// exited cleanly and the file is renamed into place; --resume starts after the last complete one).
import {spawn, type ChildProcess} from 'node:child_process';
import {rename, rm} from 'node:fs/promises';
import type {RgbImage} from '@daek/datasets';
import {formatRational, type Rational} from '../rational.js';
import type {EncoderChoice} from './codecs.js';
import {swsMatrix, swsRange} from './colour.js';
import type {ColourInfo} from './probe.js';
import type {Ffmpeg} from './tools.js';

/** Settings shared by every segment. */
export interface EncodeSettings {
  /** Frame size. */
  width: number;
  /** Frame height. */
  height: number;
  /** Output frame rate. */
  rate: Rational;
  /** Encoder. */
  choice: EncoderChoice;
  /** Colour metadata to write (and the matrix to convert RGB with). */
  colour: ColourInfo;
}

/** The ffmpeg arguments that encode rgb24 from stdin to `file` (NUT: holds every codec, exact timestamps). */
export function encodeArgs(settings: EncodeSettings, file: string): string[] {
  const {width, height, rate, choice} = settings;
  // An RGB input ('gbr' matrix) has no YUV matrix or range to carry into a YUV output: use the encoder's defaults.
  const colour = settings.colour.space === 'gbr' ? {...settings.colour, space: undefined, range: undefined} : settings.colour;
  const isRgb = /^(rgb|bgr|gbr|argb|abgr|rgba|bgra|0rgb|0bgr|rgb0|bgr0|pal8|gray)/.test(choice.pixFmt);
  const matrix = swsMatrix(colour.space);
  const range = swsRange(colour.range);
  const scale = isRgb ? '' : [matrix && `out_color_matrix=${matrix}`, range && `out_range=${range}`].filter(Boolean).join(':');
  const meta = [
    ...(colour.range ? ['-color_range', colour.range] : []),
    ...(colour.space && !isRgb ? ['-colorspace', colour.space] : []),
    ...(colour.transfer ? ['-color_trc', colour.transfer] : []),
    ...(colour.primaries ? ['-color_primaries', colour.primaries] : []),
  ];
  return ['-nostdin', '-hide_banner', '-v', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', formatRational(rate), '-i', '-',
    ...(scale ? ['-vf', `scale=${scale}`] : []),
    '-c:v', choice.encoder, ...choice.quality, '-pix_fmt', choice.pixFmt, ...meta, '-f', 'nut', file];
}

/** One segment being encoded. */
export class SegmentEncoder {
  private readonly child: ChildProcess;
  private readonly closed: Promise<number | null>;
  private stderr = '';
  private failure: Error | null = null;
  private readonly partial: string;

  /**
   * Start ffmpeg writing `file` (through `file.partial`).
   *
   * @param ff the executables.
   * @param settings size, rate, encoder, colour.
   * @param file the segment's final name.
   */
  constructor(ff: Ffmpeg, settings: EncodeSettings, private readonly file: string) {
    this.partial = `${file}.partial`;
    this.child = spawn(ff.ffmpeg, encodeArgs(settings, this.partial), {stdio: ['pipe', 'ignore', 'pipe'], detached: true});
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (text: string) => { this.stderr = (this.stderr + text).slice(-4000); });
    this.child.on('error', (error) => { this.failure = error; });
    this.child.stdin!.on('error', (error) => { this.failure ??= error; });
    this.closed = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Queue a frame; waits only when ffmpeg is several frames behind. */
  async write(frame: RgbImage): Promise<void> {
    if (this.failure) throw this.fail();
    const stdin = this.child.stdin!;
    stdin.write(frame.data);
    if (stdin.writableLength > frame.data.length * 3) {
      await new Promise<void>((resolve) => {
        const done = (): void => { stdin.off('drain', done); this.child.off('close', done); resolve(); };
        stdin.on('drain', done);
        this.child.on('close', done);
      });
      if (this.failure || this.child.exitCode !== null) throw this.fail();
    }
  }

  private fail(): Error {
    return new Error(`ffmpeg (encoder) failed: ${this.stderr.trim() || this.failure?.message || 'no message'}`);
  }

  /** Finish the segment: close the pipe, wait for ffmpeg, rename into place. */
  async finish(): Promise<void> {
    this.child.stdin!.end();
    const code = await this.closed;
    if (code !== 0 || this.failure) throw this.fail();
    await rename(this.partial, this.file);
  }

  /** Abandon the segment (Ctrl-C): kill ffmpeg, remove the partial file. */
  async abort(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.closed;
    await rm(this.partial, {force: true});
  }
}
