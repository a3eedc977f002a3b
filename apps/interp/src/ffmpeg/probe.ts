// What ffprobe says about an input: the video stream (size, rate, pixel format, colour, rotation), frame
// timestamps, and the audio and subtitle streams to carry over.
import {InterpError} from '../errors.js';
import {parseRational, rational, type Rational} from '../rational.js';
import {runTool, type Ffmpeg} from './tools.js';

/** A stream other than the main video stream. */
export interface OtherStream {
  /** Index in the input file. */
  index: number;
  /** `audio` or `subtitle`. */
  type: 'audio' | 'subtitle';
  /** ffmpeg codec name. */
  codec: string;
}

/** Colour description of the video stream (ffprobe names; undefined when unspecified). */
export interface ColourInfo {
  /** `tv` or `pc`. */
  range?: string;
  /** Matrix, e.g. `bt709`. */
  space?: string;
  /** Transfer, e.g. `bt709`. */
  transfer?: string;
  /** Primaries, e.g. `bt709`. */
  primaries?: string;
}

/** The probed input. */
export interface VideoInfo {
  /** Format name(s) ffprobe reports. */
  format: string;
  /** Index of the video stream used. */
  videoIndex: number;
  /** Its codec name. */
  codec: string;
  /** Width and height as decoded (before rotation). */
  width: number;
  /** Height. */
  height: number;
  /** Pixel format, e.g. `yuv420p`. */
  pixFmt: string;
  /** Bits per component (8 unless the pixel format says otherwise). */
  bitDepth: number;
  /** Nominal frame rate. */
  rate: Rational;
  /** Time base tick in seconds. */
  tick: number;
  /** Colour metadata. */
  colour: ColourInfo;
  /** Display rotation in degrees (ffprobe's sign), 0 when none. */
  rotation: number;
  /** Audio and subtitle streams. */
  others: OtherStream[];
  /** Container duration in seconds (NaN when unknown). */
  duration: number;
  /** Seconds from the file's start to the video stream's first frame (the audio may start earlier). */
  videoOffset: number;
}

interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  time_base?: string;
  bits_per_raw_sample?: string;
  color_range?: string;
  color_space?: string;
  color_transfer?: string;
  color_primaries?: string;
  disposition?: {attached_pic?: number};
  start_time?: string;
  tags?: Record<string, string>;
  side_data_list?: {rotation?: number}[];
}

function known(value: string | undefined): string | undefined {
  return value && value !== 'unknown' && value !== 'reserved' ? value : undefined;
}

/** Bits per component of a pixel format name (`yuv420p10le` -> 10). */
export function bitDepthOf(pixFmt: string, rawBits?: string): number {
  const match = /p(\d{2})(le|be)?$|(\d{2})(le|be)$/.exec(pixFmt);
  const fromName = match ? Number(match[1] ?? match[3]) : 8;
  const raw = Number(rawBits);
  return Number.isFinite(raw) && raw > 8 ? Math.max(raw, fromName) : fromName;
}

/**
 * Probe a file.
 *
 * @throws InterpError (not-a-video) when ffprobe cannot read it, (no-video-stream) when it has no video.
 */
export async function probeVideo(ff: Ffmpeg, file: string): Promise<VideoInfo> {
  let text: string;
  try {
    text = await runTool(ff.ffprobe, ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file], 'ffprobe');
  } catch (error) {
    throw new InterpError('not-a-video', `${file} is not a video ffmpeg can read: ${(error as Error).message.split('\n').pop()}`);
  }
  const json = JSON.parse(text) as {streams?: ProbeStream[]; format?: {format_name?: string; duration?: string; start_time?: string}};
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) {
    const kinds = streams.map((s) => s.codec_type).join(', ') || 'none';
    throw new InterpError('no-video-stream', `${file} has no video stream (streams: ${kinds}); give a video file`);
  }
  const rateText = video.avg_frame_rate && video.avg_frame_rate !== '0/0' ? video.avg_frame_rate : video.r_frame_rate;
  const rRate = video.r_frame_rate && video.r_frame_rate !== '0/0' ? video.r_frame_rate : rateText;
  const rate = rRate && rRate !== '0/0' ? parseRational(rRate, 'frame rate') : rational(25);
  const [tn, td] = (video.time_base ?? '1/90000').split('/').map(Number);
  const side = (video.side_data_list ?? []).find((d) => typeof d.rotation === 'number');
  const tagRotate = Number(video.tags?.rotate ?? 0);
  const pixFmt = video.pix_fmt ?? 'yuv420p';
  return {
    format: json.format?.format_name ?? '',
    videoIndex: video.index,
    codec: video.codec_name ?? 'unknown',
    width: video.width ?? 0,
    height: video.height ?? 0,
    pixFmt,
    bitDepth: bitDepthOf(pixFmt, video.bits_per_raw_sample),
    rate,
    tick: (tn ?? 1) / (td ?? 90000),
    colour: {range: known(video.color_range), space: known(video.color_space), transfer: known(video.color_transfer),
      primaries: known(video.color_primaries)},
    rotation: side?.rotation ?? tagRotate,
    others: streams.filter((s) => s.codec_type === 'audio' || s.codec_type === 'subtitle')
        .map((s) => ({index: s.index, type: s.codec_type as 'audio' | 'subtitle', codec: s.codec_name ?? 'unknown'})),
    duration: Number(json.format?.duration ?? NaN),
    videoOffset: Math.max(0, (Number(video.start_time) || 0) - (Number(json.format?.start_time) || 0)),
  };
}

/**
 * Presentation times (seconds, sorted) of the video stream's packets, and their count: no decoding. `times` is
 * absent when some packet has no timestamp (then the nominal rate is used).
 */
export async function probeTimestamps(ff: Ffmpeg, file: string, info: VideoInfo): Promise<{times?: number[]; count: number}> {
  const text = await runTool(ff.ffprobe, ['-v', 'error', '-select_streams', String(info.videoIndex), '-show_entries',
    'packet=pts_time', '-of', 'csv=p=0', file], 'ffprobe');
  const lines = text.split('\n').map((l) => l.trim().replace(/,$/, '')).filter((l) => l.length > 0);
  if (lines.some((l) => l === 'N/A' || !Number.isFinite(Number(l)))) return {count: lines.length};
  return {times: lines.map(Number).sort((a, b) => a - b), count: lines.length};
}
