// Renderer of synthetic scenes. Each frame is drawn from the scene description at its own instant
// (every pose parameter interpolated linearly in t), so the ground-truth frame is exact by construction:
// it is the same renderer at the interpolated transform, not an interpolation of images. Only IEEE
// arithmetic, Math.floor/round/sqrt and our own sine/cosine are used: the bytes are the same everywhere.
import type {RgbImage} from './image.js';
import {createRandom, deriveSeed} from './random.js';
import type {LayerPose, ProceduralTexture, SyntheticLayer, SyntheticScene} from './synthetic-scene.js';
import {cosine, sine} from './trigonometry.js';

// Math's functions bound once: in a vm context (jest) every lookup of a global such as `Math` is slow.
const {abs, ceil, floor, max, min, sqrt} = Math;

/** A texture ready to sample at local coordinates (x, y); writes R, G, B (0..255) into `out`. */
interface CompiledTexture {
  sample(x: number, y: number, out: Float64Array): void;
}

/** Value noise on a lattice covering [-radius, radius]^2, several octaves, values in [0, 1]. */
class ProceduralSampler implements CompiledTexture {
  private readonly tables: Float32Array[] = [];
  private readonly sizes: number[] = [];
  private readonly inverseCells: number[] = [];
  private readonly amplitudes: number[] = [];
  private readonly normaliser: number;
  private readonly cosAngle: number;
  private readonly sinAngle: number;
  private readonly inversePeriod: number;
  private readonly kind: number;
  private readonly palette: Float64Array;

  constructor(texture: ProceduralTexture, private readonly radius: number) {
    let total = 0;
    for (let k = 0; k < texture.octaves; k++) {
      const cell = max(2, texture.cell / 2 ** k);
      const size = ceil((2 * radius) / cell) + 2;
      const random = createRandom(deriveSeed(texture.seed, k));
      const table = new Float32Array(size * size);
      for (let i = 0; i < table.length; i++) table[i] = random.uniform();
      this.tables.push(table);
      this.sizes.push(size);
      this.inverseCells.push(1 / cell);
      this.amplitudes.push(0.55 ** k);
      total += 0.55 ** k;
    }
    this.normaliser = 1 / total;
    this.cosAngle = cosine(texture.angle);
    this.sinAngle = sine(texture.angle);
    this.inversePeriod = 1 / texture.period;
    this.kind = texture.kind === 'noise' ? 0 : texture.kind === 'stripes' ? 1 : 2;
    this.palette = Float64Array.from(texture.colors.flat());
  }

  private noise(x: number, y: number): number {
    const tables = this.tables, sizes = this.sizes, inverseCells = this.inverseCells, amplitudes = this.amplitudes;
    const px = x + this.radius, py = y + this.radius;
    let sum = 0;
    for (let k = 0; k < tables.length; k++) {
      const size = sizes[k];
      const gx = px * inverseCells[k];
      const gy = py * inverseCells[k];
      // Truncation is floor for the positive coordinates of the lattice; outside it, clamp to the border.
      let ix = 0, iy = 0, fx = 0, fy = 0;
      if (gx > 0) { ix = gx | 0; fx = gx - ix; if (ix > size - 2) { ix = size - 2; fx = 1; } }
      if (gy > 0) { iy = gy | 0; fy = gy - iy; if (iy > size - 2) { iy = size - 2; fy = 1; } }
      const sx = fx * fx * (3 - 2 * fx);
      const sy = fy * fy * (3 - 2 * fy);
      const table = tables[k];
      const o = iy * size + ix;
      const a = table[o], b = table[o + 1], c = table[o + size], d = table[o + size + 1];
      const top = a + (b - a) * sx;
      sum += amplitudes[k] * (top + (c + (d - c) * sx - top) * sy);
    }
    // Averaged lattice values crowd around 0.5: stretch them back over [0, 1].
    const v = (sum * this.normaliser - 0.5) * 2.5 + 0.5;
    return v < 0 ? 0 : v > 1 ? 1 : v;
  }

  sample(x: number, y: number, out: Float64Array): void {
    const n = this.noise(x, y);
    let v: number;
    if (this.kind === 0) {
      v = n;
    } else {
      const u = (x * this.cosAngle + y * this.sinAngle) * this.inversePeriod;
      if (this.kind === 1) {
        const w = u - floor(u);
        v = 0.65 * abs(2 * w - 1) + 0.35 * n;
      } else {
        const w = (y * this.cosAngle - x * this.sinAngle) * this.inversePeriod;
        v = 0.7 * ((floor(u) + floor(w)) & 1) + 0.3 * n;
      }
    }
    const p = this.palette;
    if (v < 0.5) {
      const a = 2 * v;
      out[0] = p[0] + (p[3] - p[0]) * a;
      out[1] = p[1] + (p[4] - p[1]) * a;
      out[2] = p[2] + (p[5] - p[2]) * a;
    } else {
      const a = 2 * v - 1;
      out[0] = p[3] + (p[6] - p[3]) * a;
      out[1] = p[4] + (p[7] - p[4]) * a;
      out[2] = p[5] + (p[8] - p[5]) * a;
    }
  }
}

/** Bilinear sampling of an image, mirrored at its borders so any coordinate is defined. */
class ImageSampler implements CompiledTexture {
  constructor(private readonly image: RgbImage, private readonly centerX: number, private readonly centerY: number) {}

  private static mirror(i: number, n: number): number {
    const period = 2 * n;
    let m = i % period;
    if (m < 0) m += period;
    return m < n ? m : period - 1 - m;
  }

  sample(x: number, y: number, out: Float64Array): void {
    const {data, width, height} = this.image;
    const u = x + this.centerX - 0.5;
    const v = y + this.centerY - 0.5;
    const u0 = floor(u);
    const v0 = floor(v);
    const fu = u - u0;
    const fv = v - v0;
    const x0 = ImageSampler.mirror(u0, width);
    const x1 = ImageSampler.mirror(u0 + 1, width);
    const y0 = ImageSampler.mirror(v0, height) * width;
    const y1 = ImageSampler.mirror(v0 + 1, height) * width;
    for (let c = 0; c < 3; c++) {
      const a = data[(y0 + x0) * 3 + c];
      const b = data[(y0 + x1) * 3 + c];
      const d = data[(y1 + x0) * 3 + c];
      const e = data[(y1 + x1) * 3 + c];
      const top = a + (b - a) * fu;
      const bottom = d + (e - d) * fu;
      out[c] = top + (bottom - top) * fv;
    }
  }
}

interface CompiledLayer {
  layer: SyntheticLayer;
  texture: CompiledTexture;
}

/** A scene with its textures built, ready to render at any instant. */
export interface CompiledScene {
  scene: SyntheticScene;
  layers: CompiledLayer[];
}

/** A layer's pose at `time`: every parameter interpolated linearly between `start` (0) and `end` (1). */
export function poseAt(layer: SyntheticLayer, time: number): LayerPose {
  const {start: a, end: b} = layer;
  return {
    x: a.x + (b.x - a.x) * time,
    y: a.y + (b.y - a.y) * time,
    angle: a.angle + (b.angle - a.angle) * time,
    scale: a.scale + (b.scale - a.scale) * time,
  };
}

/**
 * Where a layer is at one instant, as the renderer uses it. The pose maps a texture-local point q to the frame point
 * `(pose.x, pose.y) + pose.scale * R(pose.angle) q`; frame pixel (i, j) is the point (i + 0.5, j + 0.5) (its centre),
 * so its local point is `q = R(-angle) (i + 0.5 - x, j + 0.5 - y) / scale`. Pixels outside columns [x0, x1) and
 * rows [y0, y1) have zero coverage.
 */
export interface LayerPlacement {
  /** The pose at this instant. */
  pose: LayerPose;
  /** cosine(pose.angle). */
  cos: number;
  /** sine(pose.angle). */
  sin: number;
  /** 1 / pose.scale. */
  inverseScale: number;
  /** First column that may be covered. */
  x0: number;
  /** One past the last column that may be covered. */
  x1: number;
  /** First row that may be covered. */
  y0: number;
  /** One past the last row that may be covered. */
  y1: number;
}

/** Place a layer at `time` in a width x height frame (the pose, its rotation and the pixel box it may cover). */
export function placeLayer(layer: SyntheticLayer, time: number, width: number, height: number): LayerPlacement {
  const pose = poseAt(layer, time);
  const c = cosine(pose.angle);
  const s = sine(pose.angle);
  const inverseScale = 1 / pose.scale;
  let x0 = 0, x1 = width, y0 = 0, y1 = height;
  if (layer.shape !== 'plane') {
    const hw = layer.halfWidth;
    const hh = layer.halfHeight;
    const margin = inverseScale + 1;
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (const [qx, qy] of [[-hw - margin, -hh - margin], [hw + margin, -hh - margin], [-hw - margin, hh + margin], [hw + margin, hh + margin]]) {
      const px = pose.x + pose.scale * (c * qx - s * qy);
      const py = pose.y + pose.scale * (s * qx + c * qy);
      minX = min(minX, px); maxX = max(maxX, px);
      minY = min(minY, py); maxY = max(maxY, py);
    }
    x0 = max(0, floor(minX)); x1 = min(width, ceil(maxX));
    y0 = max(0, floor(minY)); y1 = min(height, ceil(maxY));
  }
  return {pose, cos: c, sin: s, inverseScale, x0, x1, y0, y1};
}

/**
 * The coverage (alpha) of a layer at the texture-local point (qx, qy), before clamping: `0.5 - d`, where d is the
 * signed distance to the outline in frame pixels (negative inside), so the soft edge is a one-pixel ramp and alpha
 * is 0.5 exactly on the outline. Values <= 0 mean not covered, >= 1 fully covered. A plane covers everything (1).
 */
export function layerAlpha(layer: SyntheticLayer, scale: number, qx: number, qy: number): number {
  if (layer.shape === 'plane') return 1;
  const hw = layer.halfWidth;
  const hh = layer.halfHeight;
  let distance: number;
  if (layer.shape === 'ellipse') {
    const ex = qx / hw;
    const ey = qy / hh;
    distance = (sqrt(ex * ex + ey * ey) - 1) * (min(hw, hh) * scale);
  } else {
    distance = max(abs(qx) - hw, abs(qy) - hh) * scale;
  }
  return 0.5 - distance;
}

/** Largest distance, in texture pixels, from a layer's origin to anything it must be able to draw. */
function textureRadius(layer: SyntheticLayer, scene: SyntheticScene): number {
  const minScale = min(layer.start.scale, layer.end.scale);
  if (layer.shape !== 'plane') return sqrt(layer.halfWidth ** 2 + layer.halfHeight ** 2) + 2 / minScale + 2;
  let far = 0;
  for (const pose of [layer.start, layer.end]) {
    for (const [cx, cy] of [[0, 0], [scene.width, 0], [0, scene.height], [scene.width, scene.height]]) {
      far = max(far, sqrt((cx - pose.x) ** 2 + (cy - pose.y) ** 2));
    }
  }
  // The centre moves on a segment and the scale is linear, so the endpoints bound every instant.
  return far / minScale + 2;
}

/** Build the textures of a scene once, to render several instants from it. */
export function compileScene(scene: SyntheticScene): CompiledScene {
  return {
    scene,
    layers: scene.layers.map((layer) => {
      for (const pose of [layer.start, layer.end]) {
        if (!(pose.scale > 0)) throw new Error(`synthetic scene: a layer scale must be positive, received ${pose.scale}`);
      }
      const texture = layer.texture.kind === 'image'
        ? new ImageSampler(layer.texture.image, layer.texture.centerX, layer.texture.centerY)
        : new ProceduralSampler(layer.texture, textureRadius(layer, scene));
      return {layer, texture};
    }),
  };
}

function drawLayer(canvas: Float32Array, width: number, height: number, compiled: CompiledLayer, time: number,
    color: Float64Array): void {
  const {layer, texture} = compiled;
  const {pose, cos: c, sin: s, inverseScale, x0, x1, y0, y1} = placeLayer(layer, time, width, height);
  const plane = layer.shape === 'plane';
  const scale = pose.scale;
  for (let j = y0; j < y1; j++) {
    const dy = j + 0.5 - pose.y;
    for (let i = x0; i < x1; i++) {
      const dx = i + 0.5 - pose.x;
      const qx = (c * dx + s * dy) * inverseScale;
      const qy = (c * dy - s * dx) * inverseScale;
      let alpha = 1;
      if (!plane) {
        alpha = layerAlpha(layer, scale, qx, qy);
        if (alpha <= 0) continue;
        if (alpha > 1) alpha = 1;
      }
      texture.sample(qx, qy, color);
      const o = (j * width + i) * 3;
      if (alpha === 1) {
        canvas[o] = color[0];
        canvas[o + 1] = color[1];
        canvas[o + 2] = color[2];
      } else {
        canvas[o] += (color[0] - canvas[o]) * alpha;
        canvas[o + 1] += (color[1] - canvas[o + 1]) * alpha;
        canvas[o + 2] += (color[2] - canvas[o + 2]) * alpha;
      }
    }
  }
}

/** Render a compiled scene at `time` in [0, 1]. */
export function renderCompiled(compiled: CompiledScene, time: number): RgbImage {
  const {width, height, gain} = compiled.scene;
  const canvas = new Float32Array(width * height * 3);
  const color = new Float64Array(3);
  for (const layer of compiled.layers) drawLayer(canvas, width, height, layer, time, color);
  const g = gain.start + (gain.end - gain.start) * time;
  const data = new Uint8Array(canvas.length);
  for (let i = 0; i < canvas.length; i++) {
    const v = canvas[i] * g;
    data[i] = v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0; // = Math.round for v in (0, 255)
  }
  return {data, width, height};
}

/**
 * Render a synthetic scene at `time` (0 = frame0, 1 = frame1, `scene.t` = the ground truth). Same scene,
 * same time: same bytes, on every machine.
 */
export function renderSyntheticFrame(scene: SyntheticScene, time: number): RgbImage {
  if (!(time >= 0 && time <= 1)) throw new Error(`renderSyntheticFrame(time): expected a number in [0, 1], received ${time}`);
  return renderCompiled(compileScene(scene), time);
}
