// The final file: the encoded segments joined without re-encoding, every audio and subtitle stream of the input
// copied unchanged (re-encoded, with a message, only where the output container cannot hold the codec), the
// input's global metadata and the video's rotation carried over.
import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import {InterpError} from '../errors.js';
import type {OtherStream, VideoInfo} from './probe.js';
import {runTool, type Ffmpeg} from './tools.js';

const MP4_AUDIO = ['aac', 'mp3', 'ac3', 'eac3', 'alac', 'opus', 'flac', 'mp2'];
const TEXT_SUBTITLES = new Set(['subrip', 'srt', 'ass', 'ssa', 'webvtt', 'mov_text', 'text']);

interface ContainerRule {
  audio: Set<string>;
  /** Audio encoder (and arguments) when the codec does not fit. */
  audioEncoder: string[];
  subtitles: Set<string>;
  /** Subtitle encoder for text subtitles that do not fit; null: the container holds no subtitles. */
  subtitleEncoder: string | null;
}

const RULES: Record<string, ContainerRule> = {
  '.mp4': {audio: new Set(MP4_AUDIO), audioEncoder: ['aac', '-b:a', '256k'], subtitles: new Set(['mov_text', 'dvd_subtitle']), subtitleEncoder: 'mov_text'},
  '.m4v': {audio: new Set(MP4_AUDIO), audioEncoder: ['aac', '-b:a', '256k'], subtitles: new Set(['mov_text']), subtitleEncoder: 'mov_text'},
  '.mov': {audio: new Set([...MP4_AUDIO, 'pcm_s16le', 'pcm_s16be', 'pcm_s24le', 'pcm_s24be', 'pcm_f32le', 'pcm_u8']),
    audioEncoder: ['aac', '-b:a', '256k'], subtitles: new Set(['mov_text']), subtitleEncoder: 'mov_text'},
  '.webm': {audio: new Set(['opus', 'vorbis']), audioEncoder: ['libopus', '-b:a', '192k'], subtitles: new Set(['webvtt']), subtitleEncoder: 'webvtt'},
  '.avi': {audio: new Set(['mp3', 'ac3', 'aac', 'mp2', 'pcm_s16le', 'pcm_u8']), audioEncoder: ['libmp3lame', '-b:a', '320k'],
    subtitles: new Set(), subtitleEncoder: null},
};

/** What happens to each audio/subtitle stream: copied, or re-encoded (with the reason). */
export interface StreamPlan {
  /** The input stream. */
  stream: OtherStream;
  /** Codec arguments for this output stream (`copy` or an encoder with its settings). */
  codec: string[];
  /** Set when re-encoded: the message for the user. */
  note?: string;
}

/**
 * Decide per stream.
 *
 * @throws InterpError (container) when a stream can neither be copied nor re-encoded into the container.
 */
export function planStreams(info: VideoInfo, output: string): StreamPlan[] {
  const ext = path.extname(output).toLowerCase();
  const rule = RULES[ext];
  return info.others.map((stream) => {
    if (!rule) return {stream, codec: ['copy']};
    if (stream.type === 'audio') {
      if (rule.audio.has(stream.codec)) return {stream, codec: ['copy']};
      return {stream, codec: rule.audioEncoder,
        note: `audio stream #${stream.index} (${stream.codec}) cannot go in a ${ext} file: re-encoded as ${rule.audioEncoder[0]} (use .mkv to copy it unchanged)`};
    }
    if (rule.subtitles.has(stream.codec)) return {stream, codec: ['copy']};
    if (rule.subtitleEncoder && TEXT_SUBTITLES.has(stream.codec)) {
      return {stream, codec: [rule.subtitleEncoder],
        note: `subtitle stream #${stream.index} (${stream.codec}) cannot go in a ${ext} file: converted to ${rule.subtitleEncoder} (use .mkv to copy it unchanged)`};
    }
    throw new InterpError('container', `subtitle stream #${stream.index} (${stream.codec}) cannot be stored in a ${ext} file; ` +
      'write a .mkv output, which holds every subtitle codec');
  });
}

/**
 * Join `segments` into `target` with the input's other streams.
 *
 * @param ff the executables.
 * @param input the original input.
 * @param info its probe.
 * @param segments the segment files in order.
 * @param listFile where to write the concat list.
 * @param target the file to write (a temporary name; the caller renames it).
 * @param plans per-stream decisions from {@link planStreams}.
 */
export async function muxOutput(ff: Ffmpeg, input: string, info: VideoInfo, segments: string[], listFile: string,
    target: string, plans: StreamPlan[]): Promise<void> {
  const quote = (p: string): string => `'${path.resolve(p).replace(/'/g, "'\\''")}'`;
  await writeFile(listFile, segments.map((s) => `file ${quote(s)}\n`).join(''));
  const rotation = ((Math.round(info.rotation) % 360) + 360) % 360;
  const modern = ff.version[0] > 6 || (ff.version[0] === 6 && ff.version[1] >= 1);
  const ext = path.extname(target).toLowerCase();
  const args = ['-nostdin', '-hide_banner', '-v', 'error', '-y', '-f', 'concat', '-safe', '0',
    ...(rotation && modern ? ['-display_rotation', String(info.rotation)] : []),
    // The video starts where the input's did relative to its audio (an MPEG stream's video may start later).
    ...(info.videoOffset > 0 && plans.length > 0 ? ['-itsoffset', info.videoOffset.toFixed(6)] : []), '-i', listFile, '-i', input,
    '-map', '0:v:0', ...plans.flatMap((p) => ['-map', `1:${p.stream.index}`]),
    '-c:v', 'copy', ...plans.flatMap((p, i) => [`-c:${i + 1}`, ...p.codec]),
    '-map_metadata', '1', '-map_metadata:s:v:0', `1:s:${info.videoIndex}`,
    ...(rotation && !modern ? ['-metadata:s:v:0', `rotate=${rotation}`] : []),
    ...(ext === '.mp4' || ext === '.mov' || ext === '.m4v' ? ['-movflags', '+faststart'] : []),
    target];
  try {
    await runTool(ff.ffmpeg, args, 'ffmpeg (mux)');
  } catch (error) {
    throw new InterpError('container', `cannot write ${target}: ${(error as Error).message}`);
  }
}
