// Video mode: decode a short clip in the page (<video> seeking, frame by frame), interpolate each pair ×2 with a
// progress bar, and play the result beside the original at the same speed.
import {draw} from './canvas.js';
import type {Rgba} from './images.js';
import {enqueue} from './queue.js';
import type {Session} from './session.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Most frames decoded from a clip (the interpolation of each pair takes about a second on wasm). */
export const MAX_VIDEO_FRAMES = 120;

function once(target: EventTarget, event: string): Promise<void> {
  return new Promise((resolve) => target.addEventListener(event, () => resolve(), {once: true}));
}

/** The clip's frame rate, measured with requestVideoFrameCallback while it plays muted (fallback 30). */
async function measureFps(video: HTMLVideoElement): Promise<number> {
  if (!('requestVideoFrameCallback' in video)) return 30;
  const times: number[] = [];
  video.muted = true;
  await video.play().catch(() => undefined);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    const step = (_now: number, meta: VideoFrameCallbackMetadata) => {
      times.push(meta.mediaTime);
      if (times.length >= 12) { clearTimeout(timer); resolve(); } else video.requestVideoFrameCallback(step);
    };
    video.requestVideoFrameCallback(step);
  });
  video.pause();
  const deltas = times.slice(1).map((t, i) => t - times[i]!).filter((d) => d > 0).sort((a, b) => a - b);
  const median = deltas[Math.floor(deltas.length / 2)];
  return median ? Math.min(120, Math.max(1, Math.round(1 / median))) : 30;
}

/** Decode up to `seconds` of the clip as RGBA frames at `width` (0: the clip's own size). */
async function decodeClip(file: File, width: number, seconds: number, onProgress: (f: number) => void):
    Promise<{frames: Rgba[]; fps: number; note: string}> {
  const video = document.createElement('video');
  video.src = URL.createObjectURL(file);
  video.muted = true;
  video.playsInline = true;
  try {
    await Promise.race([once(video, 'loadeddata'), once(video, 'error').then(() => {
      throw new Error(`'${file.name}' is not a video this browser can decode (${file.type || 'unknown type'}). Try an MP4 (H.264) or WebM clip.`);
    })]);
    const fps = await measureFps(video);
    const w = width > 0 && width < video.videoWidth ? width : video.videoWidth;
    const h = Math.round((video.videoHeight * w) / video.videoWidth / 2) * 2;
    const count = Math.min(MAX_VIDEO_FRAMES, Math.floor(Math.min(seconds, video.duration) * fps));
    if (count < 2) throw new Error('The clip is shorter than two frames; pick a longer one.');
    const canvas = new OffscreenCanvas(w, h);
    const context = canvas.getContext('2d', {willReadFrequently: true})!;
    const frames: Rgba[] = [];
    for (let i = 0; i < count; i++) {
      video.currentTime = (i + 0.5) / fps; // the middle of frame i: no rounding onto a neighbour
      await once(video, 'seeked');
      context.drawImage(video, 0, 0, w, h);
      frames.push({data: context.getImageData(0, 0, w, h).data, width: w, height: h});
      onProgress((i + 1) / count);
    }
    const note = w !== video.videoWidth ? `scaled from ${video.videoWidth}×${video.videoHeight} to ${w}×${h} (the width you chose)` : `${w}×${h}`;
    return {frames, fps, note};
  } finally {
    URL.revokeObjectURL(video.src);
  }
}

let playing = 0;

/** Loop both sequences on their canvases: the ×2 one at twice the frame rate, so both last as long. */
function play(original: Rgba[], doubled: Rgba[], fps: number): void {
  const id = ++playing;
  const start = performance.now();
  const tick = (now: number) => {
    if (id !== playing) return;
    // An animation frame's time may precede `start` (it is the frame's start time): clamp at 0.
    const seconds = (Math.max(0, now - start) / 1000) % (original.length / fps);
    draw($('video-original'), original[Math.min(original.length - 1, Math.floor(seconds * fps))]!);
    draw($('video-doubled'), doubled[Math.min(doubled.length - 1, Math.floor(seconds * fps * 2))]!);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/** Wire the video section. `getSession` starts the engine the page's controls choose. */
export function setupVideo(_current: () => Session | null, getSession: () => Promise<Session>, showError: (e: unknown) => void): void {
  const input = $<HTMLInputElement>('video-file');
  const button = $<HTMLButtonElement>('video-run');
  const bar = $<HTMLProgressElement>('video-progress');
  const status = $('video-status');
  input.addEventListener('change', () => { button.disabled = !input.files?.length; });
  button.addEventListener('click', () => {
    const file = input.files?.[0];
    if (!file) return;
    button.disabled = true;
    bar.hidden = false;
    $('error').hidden = true; // a new job: the last error no longer applies
    void (async () => {
      status.textContent = 'Decoding the clip…';
      const width = Number($<HTMLSelectElement>('video-width').value);
      const seconds = Number($<HTMLInputElement>('video-seconds').value) || 2;
      const {frames, fps, note} = await decodeClip(file, width, seconds, (f) => { bar.value = f * 0.1; });
      const doubled: Rgba[] = [frames[0]!];
      const start = performance.now();
      await enqueue(async () => {
        const s = await getSession();
        for (let i = 1; i < frames.length; i++) {
          const a = frames[i - 1]!, b = frames[i]!;
          doubled.push({data: await s.interpolate(a, b, 0.5), width: a.width, height: a.height}, b);
          bar.value = 0.1 + 0.9 * (i / (frames.length - 1));
          const each = (performance.now() - start) / i;
          status.textContent = `Interpolating: ${i} of ${frames.length - 1} pairs, ${each.toFixed(0)} ms per frame ` +
            `(${s.choice.engine} ${s.running}), about ${((frames.length - 1 - i) * each / 1000).toFixed(0)} s left`;
        }
      });
      $('video-original-caption').textContent = `original: ${frames.length} frames at ${fps} fps, ${note}`;
      $('video-doubled-caption').textContent = `×2: ${doubled.length} frames at ${fps * 2} fps`;
      status.textContent = `Done in ${((performance.now() - start) / 1000).toFixed(1)} s.`;
      play(frames, doubled, fps);
    })().catch(showError).finally(() => { button.disabled = false; bar.hidden = true; });
  });
}
