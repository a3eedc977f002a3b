// The parameter store: every weight of a network as a tfjs variable named by its PyTorch state-dict key.
// One flat, named store makes weight I/O, parity (fixtures are keyed by PyTorch names) and parameter
// counting the same loop, and lets the trainer differentiate with tf.variableGrads over its variables.
import * as tf from '@tensorflow/tfjs';

/**
 * How a tensor is laid out in PyTorch versus here (spec §7.5):
 * - `conv`: Conv2d weight, PyTorch `[out, in, kh, kw]`, here `[kh, kw, in, out]`;
 * - `deconv`: ConvTranspose2d weight, PyTorch `[in, out, kh, kw]`, here `[kh, kw, out, in]`;
 * - `plain`: the same shape and order in both (biases, PReLU slopes, norm vectors, scalars).
 */
export type ParamLayout = 'conv' | 'deconv' | 'plain';

/** What a tensor is, which decides its default initialisation (PyTorch's defaults, spec §3.1). */
export type ParamRole = 'conv_weight' | 'deconv_weight' | 'bias' | 'prelu' | 'bn_weight' | 'bn_bias' |
  'bn_running_mean' | 'bn_running_var' | 'para';

/** The declaration of one tensor of a network. */
export interface ParamSpec {
  /** PyTorch state-dict key, e.g. `block0.conv0.0.0.weight`. */
  name: string;
  /** Shape as PyTorch holds it. */
  torchShape: number[];
  /** Layout conversion between PyTorch and tfjs. */
  layout: ParamLayout;
  /** Role, for initialisation. */
  role: ParamRole;
  /** Fan-in PyTorch's default init uses (conv: in·kh·kw; conv-transpose: out·kh·kw; bias: its layer's). */
  fanIn: number;
  /** False for buffers (BatchNorm running stats): saved and loaded, never trained or counted as parameters. */
  trainable: boolean;
  /** Other state-dict keys that hold the same tensor (PyTorch registers some BatchNorms twice). */
  aliases?: string[];
}

/** The tfjs shape of a PyTorch-shaped tensor with this layout. */
export function tfShape(torchShape: readonly number[], layout: ParamLayout): number[] {
  if (layout === 'plain') return [...torchShape];
  const [a, b, kh, kw] = torchShape as [number, number, number, number];
  // conv: [out,in,kh,kw] -> [kh,kw,in,out]; deconv: [in,out,kh,kw] -> [kh,kw,out,in]. Both are permute(2,3,1,0).
  return [kh, kw, b, a];
}

/** Move a 4-D weight between PyTorch's `[a, b, kh, kw]` order and the tfjs `[kh, kw, b, a]` order (a copy). */
function permuteWeight(data: Float32Array, torchShape: readonly number[], toTf: boolean): Float32Array {
  const [a, b, kh, kw] = torchShape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const torchIndex = ((i * b + j) * kh + y) * kw + x;
          const tfIndex = ((y * kw + x) * b + j) * a + i;
          if (toTf) out[tfIndex] = data[torchIndex]!; else out[torchIndex] = data[tfIndex]!;
        }
      }
    }
  }
  return out;
}

/** Convert PyTorch-layout C-order data to this store's layout (a copy). */
export function torchToTf(data: Float32Array, torchShape: readonly number[], layout: ParamLayout): Float32Array {
  return layout === 'plain' ? data.slice() : permuteWeight(data, torchShape, true);
}

/** Convert this store's layout back to PyTorch-layout C-order data (a copy). */
export function tfToTorch(data: Float32Array, torchShape: readonly number[], layout: ParamLayout): Float32Array {
  return layout === 'plain' ? data.slice() : permuteWeight(data, torchShape, false);
}

// Bound once: global lookups inside hot loops are very slow under jest's module wrapper.
const {imul} = Math;

/** A small seeded generator (mulberry32) so that two models built with the same seed are identical. */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** PyTorch's default initial value of a tensor, as PyTorch-layout data. */
function defaultInit(spec: ParamSpec, random: () => number): Float32Array {
  const numel = spec.torchShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(numel);
  const constant = {prelu: 0.25, bn_weight: 1, bn_bias: 0, bn_running_mean: 0, bn_running_var: 1, para: 0} as
    Partial<Record<ParamRole, number>>;
  const c = constant[spec.role];
  if (c !== undefined) return out.fill(c);
  // kaiming_uniform(a=√5) for weights and U(±1/√fan_in) for biases both give the bound 1/√fan_in.
  const bound = 1 / Math.sqrt(Math.max(1, spec.fanIn));
  for (let k = 0; k < numel; k++) out[k] = (2 * random() - 1) * bound;
  return out;
}

/** A stored tensor: its declaration and its variable. */
export interface StoredParam {
  /** Its declaration. */
  spec: ParamSpec;
  /** Its variable (tfjs layout). */
  variable: tf.Variable;
}

/**
 * Every tensor of a network, keyed by PyTorch state-dict name, held as tfjs variables in tfjs layout.
 * Networks declare their tensors while they are built and read them in their forward pass.
 */
export class ParamStore {
  private readonly params = new Map<string, StoredParam>();
  private readonly aliasOf = new Map<string, string>();
  private readonly random: () => number;
  private disposedFlag = false;
  private readonly placeholder: tf.Variable | null;

  /**
   * @param seed seed of the default initialisation.
   * @param options `shapesOnly`: record declarations without allocating any weights (for counting parameters
   *   of large configurations); such a store cannot run a forward pass.
   */
  constructor(seed = 1234, options: {shapesOnly?: boolean} = {}) {
    this.random = seededUniform(seed);
    this.placeholder = options.shapesOnly ? tf.tidy(() => tf.variable(tf.zeros([0]), false)) : null;
  }

  /** True for a store made with `shapesOnly`. */
  get shapesOnly(): boolean {
    return this.placeholder !== null;
  }

  /** Declare a tensor and create its variable with PyTorch's default initial value. Returns the variable. */
  declare(spec: ParamSpec): tf.Variable {
    if (this.params.has(spec.name)) throw new Error(`ParamStore: parameter ${spec.name} declared twice.`);
    if (this.placeholder) {
      this.params.set(spec.name, {spec, variable: this.placeholder});
      for (const alias of spec.aliases ?? []) this.aliasOf.set(alias, spec.name);
      return this.placeholder;
    }
    // Default values are i.i.d. (or constant), so they need no layout conversion.
    const data = defaultInit(spec, this.random);
    const initial = tf.tensor(data, tfShape(spec.torchShape, spec.layout), 'float32');
    const variable = tf.variable(initial, spec.trainable, `daek/${spec.name}/${nextVariableId++}`);
    initial.dispose(); // the variable holds its own reference to the data
    this.params.set(spec.name, {spec, variable});
    for (const alias of spec.aliases ?? []) this.aliasOf.set(alias, spec.name);
    return variable;
  }

  /** The variable of `name` (an alias resolves to its tensor). Throws when there is none. */
  get(name: string): tf.Variable {
    this.assertLive();
    const found = this.params.get(this.aliasOf.get(name) ?? name);
    if (!found) throw new Error(`ParamStore: no parameter named ${name}.`);
    return found.variable;
  }

  /** The stored entry of `name`, or undefined. Aliases resolve. */
  entry(name: string): StoredParam | undefined {
    return this.params.get(this.aliasOf.get(name) ?? name);
  }

  /** The canonical name for `name` when it is an alias, else `name`. */
  canonicalName(name: string): string {
    return this.aliasOf.get(name) ?? name;
  }

  /** True when `name` (or an alias of it) is stored. */
  has(name: string): boolean {
    return this.params.has(this.aliasOf.get(name) ?? name);
  }

  /** All entries in declaration order. */
  entries(): StoredParam[] {
    return [...this.params.values()];
  }

  /** Names in declaration order. */
  names(): string[] {
    return [...this.params.keys()];
  }

  /** The trainable variables, in declaration order. */
  trainableVariables(): tf.Variable[] {
    return this.entries().filter((e) => e.spec.trainable).map((e) => e.variable);
  }

  /** Number of trainable elements whose name starts with any of `prefixes` (all when none are given). */
  count(...prefixes: string[]): number {
    let total = 0;
    for (const {spec} of this.params.values()) {
      if (!spec.trainable) continue;
      if (prefixes.length > 0 && !prefixes.some((p) => spec.name.startsWith(p))) continue;
      total += spec.torchShape.reduce((a, b) => a * b, 1);
    }
    return total;
  }

  /** Set one tensor from PyTorch-layout data. Validates the element count; never disposes the caller's data. */
  assignTorch(name: string, data: Float32Array): void {
    const entry = this.entry(name);
    if (!entry) throw new Error(`ParamStore: no parameter named ${name}.`);
    const numel = entry.spec.torchShape.reduce((a, b) => a * b, 1);
    if (data.length !== numel) {
      throw new Error(`ParamStore: ${name} expects ${numel} values (PyTorch shape [${entry.spec.torchShape}]), got ${data.length}.`);
    }
    const converted = torchToTf(data, entry.spec.torchShape, entry.spec.layout);
    tf.tidy(() => entry.variable.assign(tf.tensor(converted, entry.variable.shape, 'float32')));
  }

  /** One tensor's data in PyTorch layout. */
  async readTorch(name: string): Promise<Float32Array> {
    const entry = this.entry(name);
    if (!entry) throw new Error(`ParamStore: no parameter named ${name}.`);
    const data = await entry.variable.data() as Float32Array;
    return tfToTorch(data, entry.spec.torchShape, entry.spec.layout);
  }

  /** True once {@link ParamStore.dispose} was called. */
  get disposed(): boolean {
    return this.disposedFlag;
  }

  /** Dispose every variable. */
  dispose(): void {
    if (this.disposedFlag) return;
    for (const {variable} of this.params.values()) variable.dispose();
    this.placeholder?.dispose();
    this.disposedFlag = true;
  }

  private assertLive(): void {
    if (this.disposedFlag) throw new Error('This model was disposed; create a new one.');
    if (this.placeholder) throw new Error('This model was built with shapesOnly (for counting); it holds no weights.');
  }
}

let nextVariableId = 0;
