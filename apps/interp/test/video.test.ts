// daek-interp video, end to end through main() with a cheap deterministic engine (the per-byte mean of the two
// frames) on clips made here with ffmpeg. The real model runs in real-model.test.ts.
import {existsSync, readdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {
  audioPacketHash, averageEngine, decodeFrames, ffmpeg, HAVE_FFMPEG, makeClip, probe, removeFolder, runInProcess, temporaryFolder,
} from './helpers.js';

const describeFfmpeg = HAVE_FFMPEG ? describe : describe.skip;
if (!HAVE_FFMPEG) console.warn('daek-interp video tests skipped: ffmpeg/ffprobe not on PATH (apt-get install ffmpeg)');

/** Lossless RGB output, so frames compare exactly. */
const LOSSLESS = ['--codec', 'ffv1', '--pix-fmt', 'bgr0'];

function packetTimes(file: string): number[] {
  return (probe(file, 'packet=pts_time', 'v:0').packets ?? []).map((p) => Number(p.pts_time)).sort((a, b) => a - b);
}

function mean(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((x, i) => (x + b[i]! + 1) >> 1));
}

describeFfmpeg('daek-interp video', () => {
  let dir: string;
  let clip: string; // 10 frames, 64x48, 25 fps, AAC audio
  beforeAll(() => {
    dir = temporaryFolder();
    clip = path.join(dir, 'clip.mp4');
    makeClip(clip, {frames: 10, audio: true});
  });
  afterAll(() => removeFolder(dir));

  it('--multi 2 gives exactly 2N frames at twice the rate; audio bytes copied, same duration', async () => {
    const out = path.join(dir, 'multi2.mp4');
    const {code, stderr} = await runInProcess(['video', clip, '-o', out, '--multi', '2']);
    expect(stderr).not.toMatch(/daek-interp: error/);
    expect(code).toBe(0);
    const streams = probe(out, 'stream=codec_type,codec_name,nb_frames,r_frame_rate,duration,width,height').streams;
    const video = streams.find((s) => s.codec_type === 'video')!;
    expect(video).toMatchObject({codec_name: 'h264', nb_frames: '20', r_frame_rate: '50/1', width: 64, height: 48});
    expect(Number(video.duration)).toBeCloseTo(0.4, 6);
    const audio = streams.find((s) => s.codec_type === 'audio')!;
    const inputAudio = probe(clip, 'stream=codec_type,duration').streams.find((s) => s.codec_type === 'audio')!;
    expect(Math.abs(Number(audio.duration) - Number(inputAudio.duration))).toBeLessThanOrEqual(1 / 25);
    expect(audioPacketHash(out)).toBe(audioPacketHash(clip));
    expect(stderr).toMatch(/20 frames at 50 fps from 10 at 25 fps/);
    expect(stderr).toMatch(/1 copied, 0 re-encoded/);
  });

  it('--multi 3 with a lossless codec: input frames kept, the rest from the network, the last frame held', async () => {
    const out = path.join(dir, 'multi3.mkv');
    const engine = averageEngine();
    const {code, stdout} = await runInProcess(['video', clip, '-o', out, '--multi', '3', ...LOSSLESS, '--json'], {factory: engine.factory});
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({outputFrames: 30, inputFrames: 10, outputRate: '75', cuts: 0});
    const input = decodeFrames(clip, 64, 48);
    const output = decodeFrames(out, 64, 48);
    expect(output.length).toBe(30);
    for (let i = 0; i < 10; i++) expect(output[3 * i]!.equals(input[i]!)).toBe(true);
    expect(output[28]!.equals(input[9]!) && output[29]!.equals(input[9]!)).toBe(true);
    // t = 1/3 -> 5/16 (1/2, 1/4, 3/8, 5/16) and 2/3 -> 11/16 (1/2 shared, 3/4, 5/8, 11/16): 7 passes per pair.
    expect(summary.passes).toBe(9 * 7);
    expect(engine.calls()).toBe(9 * 7);
  });

  it('25 -> 60 fps gives round(duration·60) frames at a constant 1/60 s step', async () => {
    const out = path.join(dir, 'fps60.mp4');
    const {code} = await runInProcess(['video', clip, '-o', out, '--fps', '60']);
    expect(code).toBe(0);
    const times = packetTimes(out);
    expect(times.length).toBe(24);
    times.forEach((t, j) => expect(t - times[0]!).toBeCloseTo(j / 60, 3));
    expect(probe(out, 'stream=r_frame_rate', 'v:0').streams[0]!.r_frame_rate).toBe('60/1');
  });

  it('accepts rational rates: 60000/1001', async () => {
    const out = path.join(dir, 'ntsc.mp4');
    const {code} = await runInProcess(['video', clip, '-o', out, '--fps', '60000/1001']);
    expect(code).toBe(0);
    expect(packetTimes(out).length).toBe(Math.round(0.4 * 60000 / 1001));
    expect(probe(out, 'stream=r_frame_rate', 'v:0').streams[0]!.r_frame_rate).toBe('60000/1001');
  });

  it('no output frame at a scene cut mixes the two shots (duplicate); blend cross-fades; the summary counts the cut', async () => {
    const cutClip = path.join(dir, 'cut.mkv');
    makeClip(cutClip, {frames: 8, cutAt: 4, codec: ['-c:v', 'ffv1', '-pix_fmt', 'bgr0']});
    const input = decodeFrames(cutClip, 64, 48);
    const out = path.join(dir, 'cut-out.mkv');
    const {code, stdout} = await runInProcess(['video', cutClip, '-o', out, '--multi', '4', ...LOSSLESS, '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({cuts: 1, duplicatedAtCuts: 3, blendedAtCuts: 0});
    const output = decodeFrames(out, 64, 48);
    // Pair (3, 4) straddles the cut: outputs 12..15 are whole input frames of one shot.
    expect(output.slice(12, 16).map((f) => (f.equals(input[3]!) ? 'A' : f.equals(input[4]!) ? 'B' : 'mixed'))).toEqual(['A', 'A', 'B', 'B']);
    // Elsewhere the network runs (here: the mean), so the check above is not vacuous.
    expect(output[10]!.equals(mean(input[2]!, input[3]!))).toBe(true);

    const blended = path.join(dir, 'cut-blend.mkv');
    const second = await runInProcess(['video', cutClip, '-o', blended, '--multi', '4', ...LOSSLESS, '--scene-cut', 'blend', '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({cuts: 1, blendedAtCuts: 3});
    const fade = decodeFrames(blended, 64, 48)[14]!;
    expect(fade.equals(input[3]!) || fade.equals(input[4]!)).toBe(false);
  });

  it('identical consecutive frames are copied without the network', async () => {
    const still = path.join(dir, 'still.mkv');
    ffmpeg('-f', 'lavfi', '-i', 'color=c=green:size=64x48:rate=25', '-frames:v', '4', '-c:v', 'ffv1', still);
    const engine = averageEngine();
    const {code, stdout} = await runInProcess(['video', still, '-o', path.join(dir, 'still-out.mkv'), '--multi', '2', '--json'], {factory: engine.factory});
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({identical: 3, interpolated: 0});
    expect(engine.calls()).toBe(0);
  });

  it('a run stopped mid-way and resumed writes the same frames as an uninterrupted run', async () => {
    const whole = path.join(dir, 'whole.mkv');
    const args = ['--multi', '2', ...LOSSLESS, '--segment-frames', '3'];
    expect((await runInProcess(['video', clip, '-o', whole, ...args])).code).toBe(0);

    const resumed = path.join(dir, 'resumed.mkv');
    const controller = new AbortController();
    const stopped = await runInProcess(['video', clip, '-o', resumed, ...args],
      {signal: controller.signal, onFrame: (j) => { if (j === 8) controller.abort(); }});
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/stopped after 9 of 20 frames; 1 complete segment\(s\) kept .* --resume/);
    expect(existsSync(resumed)).toBe(false);
    // Without --resume the leftover is not silently discarded.
    const refused = await runInProcess(['video', clip, '-o', resumed, ...args]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/resume: an interrupted run left .*--resume/);
    // Other settings cannot resume it.
    expect((await runInProcess(['video', clip, '-o', resumed, '--multi', '3', ...LOSSLESS, '--segment-frames', '3', '--resume'])).code).toBe(2);

    const engine = averageEngine();
    const again = await runInProcess(['video', clip, '-o', resumed, ...args, '--resume', '--json'], {factory: engine.factory});
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).resumedSegments).toBe(1);
    expect(engine.calls()).toBe(6); // pairs 3..8 (segment 0 = pairs 0..2 was complete); the held last frame needs none
    const a = decodeFrames(whole, 64, 48);
    const b = decodeFrames(resumed, 64, 48);
    expect(b.length).toBe(20);
    b.forEach((frame, i) => expect(frame.equals(a[i]!)).toBe(true));
    expect(readdirSync(dir).filter((n) => n.includes('daek-interp') || n.includes('daek-tmp'))).toEqual([]);
  });

  it('keeps odd sizes and rotation metadata', async () => {
    const odd = path.join(dir, 'odd.mp4');
    const plain = path.join(dir, 'odd-plain.mp4');
    makeClip(plain, {frames: 4, size: '63x47'});
    ffmpeg('-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', odd);
    const out = path.join(dir, 'odd-out.mp4');
    const {code, stderr} = await runInProcess(['video', odd, '-o', out, '--multi', '2']);
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/daek-interp: error/);
    const rotation = (file: string): unknown => probe(file, 'stream_side_data=rotation', 'v:0').streams[0]?.side_data_list;
    const info = probe(out, 'stream=width,height,nb_frames,pix_fmt', 'v:0').streams[0]!;
    expect(info).toMatchObject({width: 63, height: 47, nb_frames: '8', pix_fmt: 'yuv444p'});
    expect(rotation(out)).toEqual(rotation(odd));
    expect(JSON.stringify(rotation(out))).toMatch(/90/);
  });

  it('writes 4:4:4 when the output pixel format cannot hold an odd size, and says so', async () => {
    const odd = path.join(dir, 'odd420.mkv');
    makeClip(odd, {frames: 3, size: '63x47', codec: ['-c:v', 'ffv1']});
    const {code, stderr} = await runInProcess(['video', odd, '-o', path.join(dir, 'odd420.mp4'), '--multi', '2', '--codec', 'libx264', '--pix-fmt', 'yuv420p']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/63x47 has an odd side, which yuv420p cannot store: writing yuv444p/);
  });

  it('re-encodes audio and subtitles the container cannot hold, and says so; copies what it can', async () => {
    const src = path.join(dir, 'pcm.mkv');
    const srt = path.join(dir, 'subs.srt');
    writeFileSync(srt, '1\n00:00:00,000 --> 00:00:00,300\nhello\n\n');
    ffmpeg('-i', clip, '-i', srt, '-map', '0:v', '-map', '0:a', '-map', '1:s', '-c:v', 'copy', '-c:a', 'pcm_s16le', '-c:s', 'srt', src);
    const out = path.join(dir, 'pcm.mp4');
    const {code, stderr} = await runInProcess(['video', src, '-o', out, '--multi', '2']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/audio stream #1 \(pcm_s16le\) cannot go in a \.mp4 file: re-encoded as aac/);
    expect(stderr).toMatch(/subtitle stream #2 \(subrip\) cannot go in a \.mp4 file: converted to mov_text/);
    const kinds = probe(out, 'stream=codec_type,codec_name').streams.map((s) => `${s.codec_type}:${s.codec_name}`);
    expect(kinds).toEqual(['video:h264', 'audio:aac', 'subtitle:mov_text']);
    // Into Matroska both are copied unchanged.
    const mkv = path.join(dir, 'pcm-out.mkv');
    expect((await runInProcess(['video', src, '-o', mkv, '--multi', '2'])).code).toBe(0);
    expect(probe(mkv, 'stream=codec_name').streams.map((s) => s.codec_name)).toEqual(['h264', 'pcm_s16le', 'subrip']);
    expect(audioPacketHash(mkv)).toBe(audioPacketHash(src));
  });

  it('keeps the video\'s start against the audio (video starting 0.2 s after the audio)', async () => {
    const late = path.join(dir, 'late.mkv');
    ffmpeg('-i', clip, '-itsoffset', '0.2', '-i', clip, '-map', '1:v', '-map', '0:a', '-c', 'copy', late);
    const starts = (file: string): number[] => probe(file, 'stream=start_time').streams.map((s) => Number(s.start_time));
    const out = path.join(dir, 'late-out.mkv');
    expect((await runInProcess(['video', late, '-o', out, '--multi', '2', ...LOSSLESS])).code).toBe(0);
    const [v0, a0] = starts(late);
    const [v1, a1] = starts(out);
    expect(v0! - a0!).toBeGreaterThan(0.19);
    expect(Math.abs((v1! - a1!) - (v0! - a0!))).toBeLessThan(0.002);
  });

  it('reads 10-bit input at 8 bits with a message, and keeps the pixel format', async () => {
    const deep = path.join(dir, 'deep.mkv');
    makeClip(deep, {frames: 3, codec: ['-c:v', 'ffv1', '-pix_fmt', 'yuv420p10le']});
    const out = path.join(dir, 'deep-out.mkv');
    const {code, stderr} = await runInProcess(['video', deep, '-o', out, '--multi', '2']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/10-bit input \(yuv420p10le\) is read at 8 bits/);
    expect(probe(out, 'stream=pix_fmt', 'v:0').streams[0]!.pix_fmt).toBe('yuv420p10le');
  });

  it('places frames of variable-frame-rate input by their timestamps', async () => {
    const vfr = path.join(dir, 'vfr.mkv');
    // Frames at 0, 40, 80, 200, 240 ms: a 120 ms gap after the third frame.
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25', '-frames:v', '5', '-vf', "setpts='(N*0.04+gte(N\\,3)*0.08)/TB'",
      '-fps_mode', 'vfr', '-c:v', 'ffv1', vfr);
    const out = path.join(dir, 'vfr-out.mkv');
    const {code, stdout, stderr} = await runInProcess(['video', vfr, '-o', out, '--fps', '50', ...LOSSLESS, '--json']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/variable frame rate/);
    const summary = JSON.parse(stdout);
    expect(summary.variableFrameRate).toBe(true);
    expect(summary.outputFrames).toBe(14);
    const input = decodeFrames(vfr, 64, 48);
    const output = decodeFrames(out, 64, 48);
    // Output frame 10 (200 ms) is input frame 3; frames 5..9 (100-180 ms) lie in the gap between frames 2 and 3.
    expect(output[10]!.equals(input[3]!)).toBe(true);
    expect(output[4]!.equals(input[2]!)).toBe(true);
    for (let j = 5; j < 10; j++) expect(output[j]!.equals(input[2]!) || output[j]!.equals(input[3]!)).toBe(false);
  });

  describe('bad input: a named error and exit status 2, no stack trace', () => {
    const expectError = async (argv: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<void> => {
      const saved = {...process.env};
      Object.assign(process.env, env);
      try {
        const {code, stderr} = await runInProcess(argv);
        expect(stderr).toMatch(pattern);
        expect(stderr).not.toMatch(/\n\s+at /);
        expect(code).toBe(2);
      } finally {
        for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key]; else process.env[key] = saved[key];
      }
    };

    it('not a video', async () => {
      const text = path.join(dir, 'notes.mp4');
      writeFileSync(text, 'this is not a video');
      await expectError(['video', text, '-o', path.join(dir, 'x.mp4'), '--multi', '2'], /^daek-interp: not-a-video: .*notes\.mp4 is not a video/m);
    });

    it('no video stream', async () => {
      const audio = path.join(dir, 'audio.m4a');
      ffmpeg('-f', 'lavfi', '-i', 'sine=duration=0.2', '-c:a', 'aac', audio);
      await expectError(['video', audio, '-o', path.join(dir, 'x.mp4'), '--multi', '2'], /no-video-stream: .*has no video stream \(streams: audio\)/);
    });

    it('zero frames', async () => {
      const empty = path.join(dir, 'empty.y4m');
      writeFileSync(empty, 'YUV4MPEG2 W64 H48 F25:1 Ip A1:1 C420jpeg\n'); // a video stream with no frames
      await expectError(['video', empty, '-o', path.join(dir, 'x.mp4'), '--multi', '2'], /zero-frames: .*zero frames/);
    });

    it('a missing input, ffmpeg missing, an unwritable output folder', async () => {
      await expectError(['video', path.join(dir, 'nope.mp4'), '-o', path.join(dir, 'x.mp4'), '--multi', '2'], /input-not-found/);
      await expectError(['video', clip, '-o', path.join(dir, 'x.mp4'), '--multi', '2'], /missing-ffmpeg: .*apt-get install ffmpeg/,
        {DAEK_FFMPEG: '/nonexistent/ffmpeg'});
      await expectError(['video', clip, '-o', path.join(clip, 'sub', 'x.mp4'), '--multi', '2'], /unwritable-output: cannot write to/);
    });

    it('never overwrites without --overwrite, never writes over the input', async () => {
      const existing = path.join(dir, 'exists.mp4');
      writeFileSync(existing, 'keep me');
      await expectError(['video', clip, '-o', existing, '--multi', '2'], /output-exists: .*--overwrite/);
      await expectError(['video', clip, '-o', clip, '--multi', '2', '--overwrite'], /output-is-input/);
      await expectError(['video', clip, '-o', path.join(dir, '.', 'clip.mp4'), '--multi', '2', '--overwrite'], /output-is-input/);
    });

    it('usage errors', async () => {
      await expectError(['video', clip, '-o', path.join(dir, 'x.mp4')], /usage: video: give exactly one of --multi N or --fps F/);
      await expectError(['video', clip, '-o', path.join(dir, 'x.mp4'), '--multi', '1'], /--multi: expected an integer >= 2/);
      await expectError(['video', clip, '-o', path.join(dir, 'x.mp4'), '--fps', 'fast'], /--fps: expected a positive rate/);
      await expectError(['video', clip, '-o', path.join(dir, 'x.mp4'), '--multi', '2', '--codec', 'nosuchcodec'], /encoder: --codec nosuchcodec/);
      await expectError(['video', clip, '-o', path.join(dir, 'x.mp4'), '--multi', '2', '--bogus'], /usage: Unknown option '--bogus'/);
    });
  });
});
