// Random scenes for synthetic triplets: a textured background plane (camera motion) under textured
// shapes that move with translation, rotation and scale and occlude each other. Every number comes
// from the seeded generator, so a (seed, index) pair always gives the same scene.
import {checkRgbImage, type RgbImage} from './rgb-image.js';
import {createRandom, deriveSeed, type Random} from './random.js';
import {cosine, sine} from './trigonometry.js';

/** A layer's placement at one instant: where its local origin is, how it is turned and scaled. */
export interface LayerPose {
  /** Horizontal position of the layer's centre in the frame, in pixels (0 = left edge). */
  x: number;
  /** Vertical position of the layer's centre, in pixels (0 = top edge). */
  y: number;
  /** Rotation in radians (positive turns +x towards +y: clockwise on screen). */
  angle: number;
  /** Frame pixels per texture pixel. */
  scale: number;
}

/** A procedural texture: value noise, stripes or a checkerboard, coloured through a three-colour palette. */
export interface ProceduralTexture {
  /** The pattern. */
  kind: 'noise' | 'stripes' | 'checker';
  /** Seed of the noise lattice. */
  seed: number;
  /** Palette, three RGB colours with components in 0..255. */
  colors: readonly [readonly number[], readonly number[], readonly number[]];
  /** Noise cell size in texture pixels (the coarsest octave). */
  cell: number;
  /** Noise octaves, each at half the cell size of the previous. */
  octaves: number;
  /** Direction of stripes / checkerboard, radians. */
  angle: number;
  /** Period of stripes / checkerboard squares, texture pixels. */
  period: number;
}

/** A texture cut from a caller's image: the layer's origin sits at (`centerX`, `centerY`) of the image. */
export interface ImageTexture {
  /** Marks an image texture. */
  kind: 'image';
  /** The image (sampled bilinearly, mirrored at its borders). */
  image: RgbImage;
  /** Image column of the layer origin (continuous pixel coordinates, 0 = left edge). */
  centerX: number;
  /** Image row of the layer origin. */
  centerY: number;
}

/** A layer's texture. */
export type SyntheticTexture = ProceduralTexture | ImageTexture;

/** One layer of a scene. */
export interface SyntheticLayer {
  /** `'plane'` covers the whole frame (the background); the others are bounded shapes with soft edges. */
  shape: 'plane' | 'ellipse' | 'rectangle';
  /** Half extent along the layer's x axis, texture pixels (unused for `'plane'`). */
  halfWidth: number;
  /** Half extent along the layer's y axis, texture pixels (unused for `'plane'`). */
  halfHeight: number;
  /** Pose at t = 0 (frame0). */
  start: LayerPose;
  /** Pose at t = 1 (frame1). Every pose parameter moves linearly in t between the two. */
  end: LayerPose;
  /** What the layer shows. */
  texture: SyntheticTexture;
}

/** A brightness gain at both ends of a triplet; the gain at time t is `start + (end - start) * t`. */
export interface BrightnessGain {
  /** Gain at t = 0 (frame0). */
  start: number;
  /** Gain at t = 1 (frame1). */
  end: number;
}

/** A scene: layers drawn in order (later layers occlude earlier ones) and a brightness gain per instant. */
export interface SyntheticScene {
  /** Frame width in pixels. */
  width: number;
  /** Frame height in pixels. */
  height: number;
  /** Time of the ground-truth frame. */
  t: number;
  /** Background first, then foreground shapes bottom to top. */
  layers: SyntheticLayer[];
  /** Brightness gain at t = 0 and t = 1 (linear in t between); 1 and 1 when brightness change is off. */
  gain: BrightnessGain;
}

/** Options that shape synthetic scenes. */
export interface SyntheticSceneOptions {
  /** Scene seed (default 0). Sample `i` uses its own stream derived from (seed, i). */
  seed?: number;
  /** Frame width (default 448). */
  width?: number;
  /** Frame height (default 256). */
  height?: number;
  /** Time of the ground-truth frame, in [0, 1] (default 0.5). */
  t?: number;
  /** Number of foreground shapes, `[min, max]` inclusive or one number (default `[2, 5]`). */
  layers?: number | readonly [number, number];
  /** Largest displacement of a shape from frame0 to frame1, pixels (default 10% of the smaller side). */
  maxTranslation?: number;
  /** Largest rotation of a shape from frame0 to frame1, degrees (default 10). */
  maxRotation?: number;
  /** Largest relative scale change of a shape from frame0 to frame1 (default 0.1, i.e. +-10%). */
  maxScale?: number;
  /** Background motion as a fraction of the shapes' limits (default 0.5; 0 keeps the background still). */
  cameraMotion?: number;
  /** Largest brightness change from frame0 to frame1, relative (default 0: off; 0.1 is up to +-10%). */
  brightness?: number;
  /** Images to cut textures from, instead of procedural textures. */
  textures?: readonly RgbImage[];
}

/** Seed stream id of scene generation. */
const SCENE_STREAM = 0x5343454e;

/** Resolved, validated scene options. */
export interface ResolvedSceneOptions {
  seed: number;
  width: number;
  height: number;
  t: number;
  layers: readonly [number, number];
  maxTranslation: number;
  maxRotation: number;
  maxScale: number;
  cameraMotion: number;
  brightness: number;
  textures: readonly RgbImage[];
}

function checkRange(value: number, what: string, low: number, high: number): number {
  if (!(typeof value === 'number' && value >= low && value <= high)) {
    throw new Error(`synthetic: options.${what}: expected a number in [${low}, ${high}], received ${value}`);
  }
  return value;
}

/** Validate scene options and fill in the defaults. */
export function resolveSceneOptions(options: SyntheticSceneOptions): ResolvedSceneOptions {
  const width = options.width ?? 448;
  const height = options.height ?? 256;
  for (const [what, v] of [['width', width], ['height', height]] as const) {
    if (!(Number.isInteger(v) && v >= 1 && v <= 16384)) {
      throw new Error(`synthetic: options.${what}: expected an integer in [1, 16384], received ${v}`);
    }
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new Error(`synthetic: options.seed: expected a safe integer, received ${seed}`);
  const layerOption = options.layers ?? [2, 5];
  const layers: [number, number] = typeof layerOption === 'number' ? [layerOption, layerOption] : [layerOption[0], layerOption[1]];
  if (!(Number.isInteger(layers[0]) && Number.isInteger(layers[1]) && layers[0] >= 0 && layers[1] >= layers[0] && layers[1] <= 64)) {
    throw new Error(`synthetic: options.layers: expected an integer or [min, max] with 0 <= min <= max <= 64, received ${JSON.stringify(layerOption)}`);
  }
  const textures = options.textures ?? [];
  textures.forEach((image, i) => checkRgbImage(image, `synthetic: options.textures[${i}]`));
  return {
    seed, width, height, layers, textures,
    t: checkRange(options.t ?? 0.5, 't', 0, 1),
    maxTranslation: checkRange(options.maxTranslation ?? Math.round(0.1 * Math.min(width, height)), 'maxTranslation', 0, 1e6),
    maxRotation: checkRange(options.maxRotation ?? 10, 'maxRotation', 0, 360) * Math.PI / 180,
    maxScale: checkRange(options.maxScale ?? 0.1, 'maxScale', 0, 0.9),
    cameraMotion: checkRange(options.cameraMotion ?? 0.5, 'cameraMotion', 0, 1),
    brightness: checkRange(options.brightness ?? 0, 'brightness', 0, 0.9),
  };
}

function randomColor(random: Random): number[] {
  return [random.integer(0, 256), random.integer(0, 256), random.integer(0, 256)];
}

function randomTexture(random: Random, textures: readonly RgbImage[]): SyntheticTexture {
  if (textures.length > 0) {
    const image = textures[random.integer(0, textures.length)];
    return {kind: 'image', image, centerX: random.range(0, image.width), centerY: random.range(0, image.height)};
  }
  const kinds = ['noise', 'noise', 'stripes', 'checker'] as const;
  return {
    kind: kinds[random.integer(0, kinds.length)],
    seed: random.nextUint32(),
    colors: [randomColor(random), randomColor(random), randomColor(random)],
    cell: random.range(6, 48),
    octaves: random.integer(2, 4),
    angle: random.range(0, Math.PI),
    period: random.range(6, 40),
  };
}

/** A pose change: translation of up to `translation` px in a random direction, rotation and scale changes. */
function randomMotion(random: Random, start: LayerPose, translation: number, rotation: number, scale: number): LayerPose {
  const distance = random.range(0, translation);
  const direction = random.range(-Math.PI, Math.PI);
  return {
    x: start.x + distance * cosine(direction),
    y: start.y + distance * sine(direction),
    angle: start.angle + random.range(-rotation, rotation),
    scale: start.scale * (1 + random.range(-scale, scale)),
  };
}

/**
 * The scene of sample `index` of a synthetic dataset: reproducible from (options, index) alone, so any
 * sample can be made in any order. Render it with {@link renderSyntheticFrame}.
 */
export function createSyntheticScene(options: SyntheticSceneOptions, index: number): SyntheticScene {
  return generateScene(resolveSceneOptions(options), index);
}

/** {@link createSyntheticScene} from resolved options. */
export function generateScene(o: ResolvedSceneOptions, index: number): SyntheticScene {
  if (!(Number.isSafeInteger(index) && index >= 0)) {
    throw new Error(`createSyntheticScene(index): expected an integer >= 0, received ${index}`);
  }
  const random = createRandom(deriveSeed(o.seed, SCENE_STREAM, index));
  const {width, height} = o;
  const small = Math.min(width, height);
  const layers: SyntheticLayer[] = [];

  const backgroundStart: LayerPose = {
    x: width / 2 + random.range(-0.1, 0.1) * width,
    y: height / 2 + random.range(-0.1, 0.1) * height,
    angle: random.range(-Math.PI, Math.PI),
    scale: random.range(0.8, 1.25),
  };
  const camera = o.cameraMotion;
  layers.push({
    shape: 'plane', halfWidth: 0, halfHeight: 0, start: backgroundStart,
    end: randomMotion(random, backgroundStart, camera * o.maxTranslation, camera * 0.5 * o.maxRotation, camera * 0.5 * o.maxScale),
    texture: randomTexture(random, o.textures),
  });

  const count = random.integer(o.layers[0], o.layers[1] + 1);
  for (let i = 0; i < count; i++) {
    const halfWidth = random.range(0.06, 0.3) * small;
    const halfHeight = halfWidth * random.range(0.4, 1.6);
    const start: LayerPose = {
      x: random.range(-0.05, 1.05) * width,
      y: random.range(-0.05, 1.05) * height,
      angle: random.range(-Math.PI, Math.PI),
      scale: random.range(0.85, 1.15),
    };
    layers.push({
      shape: random.uniform() < 0.5 ? 'ellipse' : 'rectangle',
      halfWidth, halfHeight, start,
      end: randomMotion(random, start, o.maxTranslation, o.maxRotation, o.maxScale),
      texture: randomTexture(random, o.textures),
    });
  }
  const change = random.range(-o.brightness, o.brightness);
  return {width, height, t: o.t, layers, gain: {start: 1 - change / 2, end: 1 + change / 2}};
}
