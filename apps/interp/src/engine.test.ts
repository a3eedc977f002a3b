import {autoScale} from './engine.js';

describe('autoScale', () => {
  const tfjs = {engine: 'tfjs' as const};
  const plain = {engine: 'tfjs' as const, refine: false};
  it('leaves frames up to 1080p alone', () => {
    expect(autoScale(plain, 1920, 1080, false)).toEqual({options: plain, note: null});
  });
  it('estimates 4K motion at half and 8K at a quarter resolution, and says so', () => {
    const k4 = autoScale(plain, 3840, 2160, false);
    expect(k4.options.scale).toBe(0.5);
    expect(k4.note).toMatch(/^3840x2160 frames: motion is estimated at --scale 0.5 .*--scale 1 to force[^;]*--tile N$/);
    expect(autoScale(plain, 7680, 4320, false).options.scale).toBe(0.25);
  });
  it('leaves the ONNX engine alone (it has no --scale)', () => {
    expect(autoScale({engine: 'onnxruntime', refine: false}, 3840, 2160, false).options.scale).toBeUndefined();
  });
  it('honours an explicit --scale or --tile', () => {
    expect(autoScale({...plain, scale: 1}, 3840, 2160, false).options.scale).toBe(1);
    expect(autoScale(plain, 3840, 2160, true).options.scale).toBeUndefined();
  });

  describe('the default refinement (neither --refine nor --no-refine)', () => {
    it('is on at full resolution, on either engine, with nothing to say', () => {
      expect(autoScale(tfjs, 1920, 1080, false)).toEqual({options: {...tfjs, refine: true}, note: null});
      expect(autoScale({engine: 'onnxruntime'}, 3840, 2160, false)).toEqual({options: {engine: 'onnxruntime', refine: true}, note: null});
      expect(autoScale({...tfjs, scale: 1}, 3840, 2160, false)).toEqual({options: {...tfjs, scale: 1, refine: true}, note: null});
      expect(autoScale(tfjs, 3840, 2160, true)).toEqual({options: {...tfjs, refine: true}, note: null});
    });
    it('is off at a --scale < 1 the user gave, and one note line says why and how to change it', () => {
      const chosen = autoScale({...tfjs, scale: 0.5}, 640, 360, false);
      expect(chosen.options).toEqual({...tfjs, scale: 0.5, refine: false});
      expect(chosen.note).toMatch(/^flow search refinement is off because the network runs at reduced scale \(--scale 0.5\); pass --scale 1 .*--no-refine/);
      expect(chosen.note).not.toMatch(/\n/);
    });
    it('is off at the automatic --scale for large frames, in the same note line', () => {
      const chosen = autoScale(tfjs, 3840, 2160, false);
      expect(chosen.options).toEqual({...tfjs, scale: 0.5, refine: false});
      expect(chosen.note).toMatch(/^3840x2160 frames: motion is estimated at --scale 0.5 .*; flow search refinement is off because the network runs at reduced scale \(pass --refine .*--no-refine/);
      expect(chosen.note).not.toMatch(/\n/);
    });
    it('says nothing about refinement after --no-refine', () => {
      expect(autoScale({...plain, scale: 0.5}, 640, 360, false)).toEqual({options: {...plain, scale: 0.5}, note: null});
      expect(autoScale(plain, 3840, 2160, false).note).not.toMatch(/refinement/);
    });
  });
});

describe('--refine and --no-refine on the command line', () => {
  it('reach the engine options of every command; neither leaves the default; --refine is refused with --scale < 1', async () => {
    const {parseCommandLine} = await import('./args.js');
    const on = parseCommandLine(['video', 'in.mp4', '--multi', '2', '-o', 'out.mp4', '--refine', '--engine', 'onnxruntime']);
    const frames = parseCommandLine(['frames', 'a.png', 'b.png', '-o', 'm.png', '--refine', '--ensemble', '--engine', 'tfjs', '--scale', '1']);
    const byDefault = parseCommandLine(['folder', 'in', '-o', 'out', '--multi', '2']);
    const off = parseCommandLine(['folder', 'in', '-o', 'out', '--multi', '2', '--no-refine', '--engine', 'tfjs', '--scale', '0.5']);
    if (on.command !== 'video' || frames.command !== 'frames' || byDefault.command !== 'folder' || off.command !== 'folder') {
      throw new Error('unexpected commands');
    }
    expect(on.job.engine).toMatchObject({engine: 'onnxruntime', refine: true});
    expect(frames.job.engine).toMatchObject({engine: 'tfjs', refine: true, ensemble: true, scale: 1});
    expect(byDefault.job.engine).not.toHaveProperty('refine'); // the default: autoScale resolves it
    expect(off.job.engine).toMatchObject({engine: 'tfjs', refine: false, scale: 0.5});
    expect(() => parseCommandLine(['frames', 'a.png', 'b.png', '-o', 'm.png', '--refine', '--engine', 'tfjs', '--scale', '0.5']))
      .toThrow(/--refine searches the network's full-resolution flow and does not combine with --scale 0.5.*--tile N/);
    expect(() => parseCommandLine(['frames', 'a.png', 'b.png', '-o', 'm.png', '--refine', '--no-refine']))
      .toThrow(/--refine and --no-refine contradict each other; give one of them/);
  });

  it('--scale < 1 without either flag is accepted (refinement then goes off, with a note)', async () => {
    const {parseCommandLine} = await import('./args.js');
    const scaled = parseCommandLine(['frames', 'a.png', 'b.png', '-o', 'm.png', '--engine', 'tfjs', '--scale', '0.5']);
    if (scaled.command !== 'frames') throw new Error('expected frames');
    expect(autoScale(scaled.job.engine, 640, 360, false).options).toMatchObject({scale: 0.5, refine: false});
  });

  it('an explicit --refine turns the automatic --scale off for large frames, and says so', () => {
    const chosen = autoScale({engine: 'tfjs', refine: true}, 3840, 2160, false);
    expect(chosen.options.scale).toBeUndefined();
    expect(chosen.options.refine).toBe(true);
    expect(chosen.note).toMatch(/3840x2160 frames: --refine runs the network at full resolution .*--tile N/);
  });

  it('are in the --help text, which says refinement is on by default', async () => {
    const {USAGE} = await import('./args.js');
    expect(USAGE).toMatch(/--refine +flow search refinement, on by default/);
    expect(USAGE).toMatch(/--no-refine +the network alone/);
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
