import {autoScale} from './engine.js';

describe('autoScale', () => {
  const tfjs = {engine: 'tfjs' as const};
  it('leaves frames up to 1080p alone', () => {
    expect(autoScale(tfjs, 1920, 1080, false)).toEqual({options: tfjs, note: null});
  });
  it('estimates 4K motion at half and 8K at a quarter resolution, and says so', () => {
    const k4 = autoScale(tfjs, 3840, 2160, false);
    expect(k4.options.scale).toBe(0.5);
    expect(k4.note).toMatch(/3840x2160 frames: motion is estimated at --scale 0.5 .*--scale 1 to force/);
    expect(autoScale(tfjs, 7680, 4320, false).options.scale).toBe(0.25);
  });
  it('leaves the ONNX engine alone (it has no --scale)', () => {
    expect(autoScale({engine: 'onnxruntime'}, 3840, 2160, false).options.scale).toBeUndefined();
  });
  it('honours an explicit --scale or --tile', () => {
    expect(autoScale({...tfjs, scale: 1}, 3840, 2160, false).options.scale).toBe(1);
    expect(autoScale(tfjs, 3840, 2160, true).options.scale).toBeUndefined();
  });
});

describe('--refine on the command line', () => {
  it('reaches the engine options of every command, is off by default, and is refused with --scale < 1', async () => {
    const {parseCommandLine} = await import('./args.js');
    const on = parseCommandLine(['video', 'in.mp4', '--multi', '2', '-o', 'out.mp4', '--refine', '--engine', 'onnxruntime']);
    const frames = parseCommandLine(['frames', 'a.png', 'b.png', '-o', 'm.png', '--refine', '--ensemble', '--engine', 'tfjs', '--scale', '1']);
    const off = parseCommandLine(['folder', 'in', '-o', 'out', '--multi', '2']);
    if (on.command !== 'video' || frames.command !== 'frames' || off.command !== 'folder') throw new Error('unexpected commands');
    expect(on.job.engine).toMatchObject({engine: 'onnxruntime', refine: true});
    expect(frames.job.engine).toMatchObject({engine: 'tfjs', refine: true, ensemble: true, scale: 1});
    expect(off.job.engine).not.toHaveProperty('refine');
    expect(() => parseCommandLine(['frames', 'a.png', 'b.png', '-o', 'm.png', '--refine', '--engine', 'tfjs', '--scale', '0.5']))
      .toThrow(/--refine searches the network's full-resolution flow and does not combine with --scale 0.5.*--tile N/);
  });

  it('turns the automatic --scale off for large frames, and says so', () => {
    const chosen = autoScale({engine: 'tfjs', refine: true}, 3840, 2160, false);
    expect(chosen.options.scale).toBeUndefined();
    expect(chosen.note).toMatch(/3840x2160 frames: --refine runs the network at full resolution .*--tile N/);
  });

  it('is in the --help text', async () => {
    const {USAGE} = await import('./args.js');
    expect(USAGE).toMatch(/--refine +flow search refinement/);
  });
});

describe('--ensemble on the command line', () => {
  it('reaches the engine options of every command, and is off by default', async () => {
    const {parseCommandLine} = await import('./args.js');
    const on = parseCommandLine(['video', 'in.mp4', '--multi', '2', '-o', 'out.mp4', '--ensemble']);
    const off = parseCommandLine(['video', 'in.mp4', '--multi', '2', '-o', 'out.mp4']);
    if (on.command !== 'video' || off.command !== 'video') throw new Error('expected video commands');
    expect(on.job.engine.ensemble).toBe(true);
    expect(off.job.engine).not.toHaveProperty('ensemble');
  });
});
