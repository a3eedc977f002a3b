// End to end with the real default model through the real launcher (bin/daek-interp.mjs), including Ctrl-C and
// --resume; and the video command on real clips from ../shared/data/video-clips/src where present.
import {existsSync, readdirSync} from 'node:fs';
import {spawn} from 'node:child_process';
import path from 'node:path';
import {
  APP_ROOT, audioPacketHash, decodeFrames, ffmpeg, HAVE_FFMPEG, makeClip, probe, removeFolder, runInProcess, runLauncher, temporaryFolder,
} from './helpers.js';

const CLIPS = path.resolve(APP_ROOT, '../../../shared/data/video-clips/src');
const describeFfmpeg = HAVE_FFMPEG ? describe : describe.skip;
const describeClips = HAVE_FFMPEG && existsSync(CLIPS) ? describe : describe.skip;
if (!existsSync(CLIPS)) console.warn(`daek-interp real-clip tests skipped: ${CLIPS} is absent (the project's shared evaluation data)`);

describeFfmpeg('daek-interp with the shipped model and the default engine, through the launcher', () => {
  let dir: string;
  beforeAll(() => { dir = temporaryFolder(); });
  afterAll(() => removeFolder(dir));

  it('Ctrl-C stops cleanly and --resume finishes the same job', async () => {
    const clip = path.join(dir, 'clip.mp4');
    makeClip(clip, {frames: 10, audio: true});
    const out = path.join(dir, 'out.mp4');
    const args = ['video', clip, '-o', out, '--multi', '2', '--segment-frames', '2']; // the default engine (onnxruntime)
    // Run, and press Ctrl-C as soon as the first frame is reported.
    const stopped = await new Promise<{code: number | null; stderr: string}>((resolve) => {
      const child = spawn(process.execPath, [path.join(APP_ROOT, 'bin/daek-interp.mjs'), ...args],
        {env: {...process.env, NODE_OPTIONS: ''}, stdio: ['ignore', 'pipe', 'pipe'], detached: true});
      let stderr = '';
      let sent = false;
      child.stderr.setEncoding('utf8').on('data', (t: string) => {
        stderr += t;
        if (!sent && /daek-interp: [1-3]\/20 frames/.test(stderr)) {
          sent = true; // once: a second Ctrl-C quits at once
          process.kill(-child.pid!, 'SIGINT'); // as a terminal does: the whole process group (launcher and app)
        }
      });
      child.on('close', (code) => resolve({code, stderr}));
    });
    expect(stopped.stderr).toMatch(/stopping after the current frame/);
    expect(stopped.stderr).toMatch(/stopped after \d+ of 20 frames; \d complete segment\(s\) kept .*--resume/);
    expect(stopped.stderr).not.toMatch(/\n\s+at /);
    expect(stopped.code).toBe(130);
    expect(existsSync(out)).toBe(false);

    const resumed = await runLauncher([...args, '--resume', '--json']);
    expect(resumed.stderr).not.toMatch(/daek-interp: error/);
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary).toMatchObject({outputFrames: 20, model: 'daek-s', outputRate: '50'});
    expect(summary.engine).toMatch(/^onnxruntime-node cpu/);
    expect(summary.interpolated).toBeGreaterThan(0);
    expect(probe(out, 'stream=nb_frames', 'v:0').streams[0]!.nb_frames).toBe('20');
    expect(audioPacketHash(out)).toBe(audioPacketHash(clip));
    // The network's frames lie between their neighbours' content: closer to their mean than either input is.
    const input = decodeFrames(clip, 64, 48);
    const output = decodeFrames(out, 64, 48);
    const distance = (x: Buffer, y: Buffer): number => x.reduce((s, v, i) => s + Math.abs(v - y[i]!), 0) / x.length;
    const mean = Buffer.from(input[4]!.map((v, i) => (v + input[5]![i]!) / 2));
    expect(distance(output[9]!, mean)).toBeLessThan(distance(input[4]!, mean));
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 300_000); // two launcher start-ups and model loads: generous on a loaded machine
});

describeClips('daek-interp video on real clips (../shared/data/video-clips/src)', () => {
  let dir: string;
  beforeAll(() => { dir = temporaryFolder(); });
  afterAll(() => removeFolder(dir));

  it('motion.mov (30 fps, AAC): --multi 2 doubles frames and rate, audio bytes unchanged', async () => {
    const part = path.join(dir, 'motion.mov');
    // The first 0.4 s: video re-encoded (a cut needs a keyframe), audio copied from the original.
    ffmpeg('-i', path.join(CLIPS, 'motion.mov'), '-t', '0.4', '-map', '0:v', '-map', '0:a', '-c:v', 'libx264', '-crf', '12', '-c:a', 'copy', part);
    const frames = Number(probe(part, 'stream=nb_frames', 'v:0').streams[0]!.nb_frames);
    const out = path.join(dir, 'motion60.mov');
    const {code, stdout} = await runInProcess(['video', part, '-o', out, '--multi', '2', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({outputFrames: 2 * frames, outputRate: '60'});
    expect(probe(out, 'stream=nb_frames,width,height', 'v:0').streams[0]).toMatchObject({nb_frames: String(2 * frames), width: 568, height: 320});
    expect(audioPacketHash(out)).toBe(audioPacketHash(part));
  });

  it('cityCC0.mpg: the real cut between frames 115 and 116 is found and no output frame mixes the shots', async () => {
    const part = path.join(dir, 'city.mkv');
    ffmpeg('-i', path.join(CLIPS, 'cityCC0.mpg'), '-vf', 'select=between(n\\,112\\,119),setpts=N/25/TB', '-fps_mode', 'passthrough',
      '-an', '-c:v', 'ffv1', '-pix_fmt', 'bgr0', part);
    const input = decodeFrames(part, 720, 405);
    expect(input.length).toBe(8);
    const out = path.join(dir, 'city-out.mkv');
    const {code, stdout} = await runInProcess(['video', part, '-o', out, '--multi', '2', '--codec', 'ffv1', '--pix-fmt', 'bgr0', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({cuts: 1, duplicatedAtCuts: 1});
    const output = decodeFrames(out, 720, 405);
    // Frames 115/116 are local 3/4: output 7 (t = 1/2 in that pair) is a whole frame of the second shot.
    expect(output[7]!.equals(input[4]!)).toBe(true);
  });
});
