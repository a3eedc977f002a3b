// The video encoder: by default the input's codec family at a visually lossless quality, in a form the output
// container holds; --codec / --pix-fmt / --crf override. Odd sizes with chroma subsampling (which 4:2:0 cannot
// store) switch to the 4:4:4 variant of the pixel format, and say so.
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {InterpError} from '../errors.js';
import type {VideoInfo} from './probe.js';
import type {Ffmpeg} from './tools.js';

/** Encoder settings. */
export interface EncoderChoice {
  /** ffmpeg encoder name. */
  encoder: string;
  /** Pixel format. */
  pixFmt: string;
  /** Quality arguments (`-crf 16`, `-q:v 2`, ...). */
  quality: string[];
  /** Messages for the user (choices made for them). */
  notes: string[];
}

/** Default encoder and quality per input codec: visually lossless. */
const FAMILY: Record<string, {encoder: string; quality: string[]}> = {
  h264: {encoder: 'libx264', quality: ['-crf', '16', '-preset', 'medium']},
  hevc: {encoder: 'libx265', quality: ['-crf', '18', '-x265-params', 'log-level=error']},
  vp9: {encoder: 'libvpx-vp9', quality: ['-crf', '18', '-b:v', '0']},
  vp8: {encoder: 'libvpx', quality: ['-crf', '4', '-b:v', '50M']},
  av1: {encoder: 'libsvtav1', quality: ['-crf', '20']},
  mpeg4: {encoder: 'mpeg4', quality: ['-q:v', '2']},
  msmpeg4v3: {encoder: 'msmpeg4', quality: ['-q:v', '2']},
  msmpeg4v2: {encoder: 'msmpeg4v2', quality: ['-q:v', '2']},
  mpeg2video: {encoder: 'mpeg2video', quality: ['-q:v', '2']},
  mpeg1video: {encoder: 'mpeg1video', quality: ['-q:v', '2']},
  mjpeg: {encoder: 'mjpeg', quality: ['-q:v', '2']},
  prores: {encoder: 'prores_ks', quality: ['-profile:v', '3']},
  ffv1: {encoder: 'ffv1', quality: []},
  huffyuv: {encoder: 'huffyuv', quality: []},
  utvideo: {encoder: 'utvideo', quality: []},
  png: {encoder: 'png', quality: []},
  rawvideo: {encoder: 'rawvideo', quality: []},
};

/** Encoders that take `-crf`. */
const CRF_ENCODERS = new Set(['libx264', 'libx264rgb', 'libx265', 'libvpx', 'libvpx-vp9', 'libsvtav1', 'libaom-av1']);

/** Video encoders each container holds (by output extension); absent: anything. */
const CONTAINER_VIDEO: Record<string, Set<string>> = {
  '.mp4': new Set(['libx264', 'libx265', 'libvpx-vp9', 'libsvtav1', 'libaom-av1', 'mpeg4', 'mpeg2video', 'mpeg1video', 'mjpeg', 'png']),
  '.m4v': new Set(['libx264', 'libx265', 'mpeg4']),
  '.webm': new Set(['libvpx', 'libvpx-vp9', 'libsvtav1', 'libaom-av1']),
  '.mov': new Set(['libx264', 'libx265', 'mpeg4', 'mpeg2video', 'mjpeg', 'prores_ks', 'png', 'rawvideo', 'ffv1', 'libvpx-vp9', 'utvideo']),
};

const formats = new Map<string, string[]>();

/** Pixel formats an encoder supports (empty when ffmpeg does not list them). */
export function encoderPixFmts(ff: Ffmpeg, encoder: string): string[] | null {
  const key = `${ff.ffmpeg}:${encoder}`;
  if (formats.has(key)) return formats.get(key)!;
  const result = spawnSync(ff.ffmpeg, ['-hide_banner', '-h', `encoder=${encoder}`], {encoding: 'utf8', timeout: 20000});
  const text = result.stdout ?? '';
  if (result.status !== 0 || /is not recognized|Unknown encoder/i.test(text + (result.stderr ?? ''))) return null;
  const match = /Supported pixel formats:\s*([^\n]*)/.exec(text);
  const list = match ? match[1]!.trim().split(/\s+/) : [];
  formats.set(key, list);
  return list;
}

/** Whether a pixel format subsamples chroma horizontally / vertically (so needs even sizes). */
function subsampled(pixFmt: string): {x: boolean; y: boolean} {
  if (/^(yuv|yuvj|yuva)420|^nv12|^nv21|^p010|^p016/.test(pixFmt)) return {x: true, y: true};
  if (/^(yuv|yuvj|yuva)422|^(yuv|yuvj)411|^yuyv|^uyvy|^nv16/.test(pixFmt)) return {x: true, y: false};
  return {x: false, y: false};
}

/** The 4:4:4 variant of a subsampled format (`yuv420p10le` -> `yuv444p10le`). */
function fullChroma(pixFmt: string): string {
  return pixFmt.replace(/^(yuv|yuvj|yuva)(420|422|411)/, '$1444').replace(/^nv12$|^nv21$/, 'yuv444p');
}

/**
 * Choose the video encoder.
 *
 * @param ff the executables.
 * @param info the input's probe.
 * @param output the output path (its extension names the container).
 * @param request `--codec`, `--pix-fmt`, `--crf`.
 */
export function chooseEncoder(ff: Ffmpeg, info: VideoInfo, output: string,
    request: {codec?: string; pixFmt?: string; crf?: number}): EncoderChoice {
  const notes: string[] = [];
  const ext = path.extname(output).toLowerCase();
  let encoder: string;
  let quality: string[];
  if (request.codec) {
    encoder = request.codec;
    quality = FAMILY[Object.keys(FAMILY).find((k) => FAMILY[k]!.encoder === encoder) ?? '']?.quality ?? [];
    if (encoderPixFmts(ff, encoder) === null) {
      throw new InterpError('encoder', `--codec ${encoder}: this ffmpeg has no such encoder; list them with ffmpeg -encoders`);
    }
  } else {
    const family = FAMILY[info.codec];
    const allowed = CONTAINER_VIDEO[ext];
    if (family && (!allowed || allowed.has(family.encoder)) && encoderPixFmts(ff, family.encoder) !== null) {
      ({encoder, quality} = family);
    } else {
      const fallback = ext === '.webm' ? FAMILY.vp9! : FAMILY.h264!;
      ({encoder, quality} = fallback);
      notes.push(family
        ? `the input's codec (${info.codec}, encoder ${family.encoder}) does not go in a ${ext} file or is not in this ffmpeg: encoding ${encoder} instead (--codec to choose)`
        : `no encoder of the input's codec (${info.codec}) is set up: encoding ${encoder} instead (--codec to choose)`);
    }
  }
  if (request.crf !== undefined) {
    if (!CRF_ENCODERS.has(encoder)) {
      throw new InterpError('encoder', `--crf applies to ${[...CRF_ENCODERS].join(', ')}; ${encoder} has no constant-rate-factor mode (drop --crf)`);
    }
    const i = quality.indexOf('-crf');
    quality = i >= 0 ? quality.map((q, k) => (k === i + 1 ? String(request.crf) : q)) : ['-crf', String(request.crf), ...quality];
  }
  const supported = encoderPixFmts(ff, encoder) ?? [];
  let pixFmt: string;
  if (request.pixFmt) {
    pixFmt = request.pixFmt;
    if (supported.length > 0 && !supported.includes(pixFmt)) {
      throw new InterpError('encoder', `--pix-fmt ${pixFmt}: ${encoder} supports ${supported.join(' ')}`);
    }
  } else if (supported.length === 0 || supported.includes(info.pixFmt)) {
    pixFmt = info.pixFmt;
  } else {
    pixFmt = ['yuv420p', 'yuv444p', 'rgb24', 'bgr0'].find((p) => supported.includes(p)) ?? supported[0]!;
    notes.push(`${encoder} cannot write the input's pixel format ${info.pixFmt}: using ${pixFmt} (--pix-fmt to choose)`);
  }
  const sub = subsampled(pixFmt);
  if ((sub.x && info.width % 2 === 1) || (sub.y && info.height % 2 === 1)) {
    const full = fullChroma(pixFmt);
    if (supported.length > 0 && !supported.includes(full)) {
      throw new InterpError('encoder', `${info.width}x${info.height} has an odd side, which ${pixFmt} cannot store and ${encoder} ` +
        `has no ${full}: choose --pix-fmt from ${supported.join(' ')} without chroma subsampling`);
    }
    notes.push(`${info.width}x${info.height} has an odd side, which ${pixFmt} cannot store: writing ${full} (same size, full chroma)`);
    pixFmt = full;
  }
  return {encoder, pixFmt, quality, notes};
}
