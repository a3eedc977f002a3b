import * as tf from '@tensorflow/tfjs';
import {
  CFCM_DEFAULT_DIM, cfcm, resolveCfcmOptions,
  type CfcmProjection, type CfcmSoftmax, type CfcmValueActivation, type CfcmWeights, type ResolvedCfcmOptions,
} from './cfcm.js';

/** The base arguments every tfjs layer accepts (`name`, `trainable`, `weights`, ...), as `tf.layers.Layer` declares them. */
export type LayerBaseArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Configuration of {@link CfcmLayer}; everything here is saved with the model and restored on load. */
export interface CfcmLayerConfig extends LayerBaseArgs {
  /** Output width `C_v` shared by Q, K and V. Default 188 (DAEK). */
  dim?: number;
  /** Softmax axis of the score, ASSUMPTION A9 (`'channel'`, default) or A9-alt (`'spatial'`). */
  softmax?: CfcmSoftmax;
  /** Activation on `V`, ASSUMPTION A6 (`'leakyRelu'` with slope 0.1, default) or A6-alt (`'linear'`). */
  valueActivation?: CfcmValueActivation;
  /**
   * The self-feature-attention path (spec §4 switch `use_sfa`). Default `true`. When `false` the layer has
   * no Q, K or Para weights, takes `cmf` alone as its input and returns `Attn = V`.
   */
  useSfa?: boolean;
}

/** The class name under which {@link CfcmLayer} is registered for (de)serialisation. Stable: saved models refer to it. */
export const CFCM_CLASS_NAME = 'DaekCFCM';

const isShapeList = (s: tf.Shape | tf.Shape[]): s is tf.Shape[] => Array.isArray(s[0]);

type Initializer = ReturnType<typeof tf.initializers.randomUniform>;

/** PyTorch's Conv2d default init: kaiming_uniform(a=√5) on the weight and the bias bound are both U(±1/√fan_in). */
function torchDefaultInit(fanIn: number): Initializer {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.initializers.randomUniform({minval: -bound, maxval: bound});
}

/**
 * CFCM, the contextual feature complementary module of DAEK (paper Eqs. (2)–(5), Fig. 3; spec §1.8), as a
 * tfjs layer that can sit in any `tf.LayersModel` and is registered for serialisation as
 * {@link CFCM_CLASS_NAME}.
 *
 * Inputs `[cmf, ctx]`, NHWC: the coarse motion feature `[B, h, w, Ccmf]` and the context feature
 * `[B, h, w, Cctx]`, at the same batch and size (with `useSfa: false`, `cmf` alone). Output `[B, h, w, dim]`:
 * `Attn = lrelu(conv1x1(cmf)) + Para · softmax(conv1x1_q(ctx) ⊙ conv1x1_k(ctx))`. The computation is
 * {@link cfcm}'s, called with the layer's variables.
 *
 * Weights, in creation order (names are prefixed with the layer name, e.g. `daek_cfcm_DaekCFCM1/value/kernel` by default, or `<name>/value/kernel` with a `name`):
 *
 * | tfjs weight | shape | PyTorch | init (PyTorch Conv2d default) |
 * |---|---|---|---|
 * | `value/kernel` | `[1,1,Ccmf,dim]` | `v_proj.weight [dim,Ccmf,1,1]` permuted (2,3,1,0) | U(±1/√Ccmf) |
 * | `value/bias` | `[dim]` | `v_proj.bias` | U(±1/√Ccmf) |
 * | `query/kernel`, `query/bias` | `[1,1,Cctx,dim]`, `[dim]` | `q_proj.*` | U(±1/√Cctx) |
 * | `key/kernel`, `key/bias` | `[1,1,Cctx,dim]`, `[dim]` | `k_proj.*` | U(±1/√Cctx) |
 * | `para` | `[1]` | `para [1]` | 0 (paper: "initialized to 0") |
 *
 * With `Para = 0` the attention term vanishes and Q and K get exactly zero gradient until Para moves
 * (spec §1.8); Para itself does get a gradient, so training starts the attention path on its own.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import {CfcmLayer} from '@daek/attention';
 * const cmf = tf.input({shape: [null, null, 256]});
 * const ctx = tf.input({shape: [null, null, 512]});
 * const attn = new CfcmLayer({dim: 188}).apply([cmf, ctx]) as tf.SymbolicTensor;
 * const model = tf.model({inputs: [cmf, ctx], outputs: attn});
 * model.countParams(); // 241205
 * ```
 */
export class CfcmLayer extends tf.layers.Layer {
  /** The registered class name, {@link CFCM_CLASS_NAME}. */
  static className = CFCM_CLASS_NAME;

  /** Output width `C_v`. */
  readonly dim: number;
  /** Softmax axis (A9 / A9-alt). */
  readonly softmax: CfcmSoftmax;
  /** Activation on V (A6 / A6-alt). */
  readonly valueActivation: CfcmValueActivation;
  /** Whether the attention path (Q, K, Score, Para) exists. */
  readonly useSfa: boolean;

  private readonly options: ResolvedCfcmOptions;
  private valueKernel?: tf.LayerVariable;
  private valueBias?: tf.LayerVariable;
  private queryKernel?: tf.LayerVariable;
  private queryBias?: tf.LayerVariable;
  private keyKernel?: tf.LayerVariable;
  private keyBias?: tf.LayerVariable;
  private para?: tf.LayerVariable;

  /** @param config see {@link CfcmLayerConfig}; every field is optional. */
  constructor(config: CfcmLayerConfig = {}) {
    super(config);
    const dim = config.dim ?? CFCM_DEFAULT_DIM;
    if (!Number.isInteger(dim) || dim < 1) {
      throw new Error(`CfcmLayer: dim must be a positive integer; got ${JSON.stringify(dim)}`);
    }
    this.options = resolveCfcmOptions(config, 'CfcmLayer');
    this.dim = dim;
    this.softmax = this.options.softmax;
    this.valueActivation = this.options.valueActivation;
    this.useSfa = this.options.useSfa;
  }

  /** Split the input shape(s) into cmf's and ctx's, checking the count against `useSfa`. */
  private splitShapes(inputShape: tf.Shape | tf.Shape[]): {cmf: tf.Shape; ctx: tf.Shape | null} {
    const shapes = isShapeList(inputShape) ? inputShape : [inputShape];
    const expected = this.useSfa ? 2 : 1;
    if (shapes.length !== expected) {
      throw new Error(`CfcmLayer '${this.name}': expected ${this.useSfa ? '2 inputs [cmf, ctx]' :
        '1 input, cmf (useSfa is false, so there is no context path)'}; got ${shapes.length}`);
    }
    const [cmf, ctx = null] = shapes;
    for (const [name, s] of [['cmf', cmf], ['ctx', ctx]] as const) {
      if (s != null && s.length !== 4) {
        throw new Error(`CfcmLayer '${this.name}': ${name} must be rank 4 [batch, height, width, channels]; got shape [${s}]`);
      }
    }
    if (ctx != null) {
      for (let axis = 0; axis < 3; axis++) {
        if (cmf[axis] != null && ctx[axis] != null && cmf[axis] !== ctx[axis]) {
          throw new Error(`CfcmLayer '${this.name}': cmf and ctx must have the same batch, height and width; ` +
              `got cmf [${cmf}] and ctx [${ctx}]`);
        }
      }
    }
    return {cmf, ctx};
  }

  /** Create the weights; the channel counts of cmf and ctx must be known here. */
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const {cmf, ctx} = this.splitShapes(inputShape);
    const channels = (s: tf.Shape, name: string) => {
      const c = s[3];
      if (c == null || c < 1) throw new Error(`CfcmLayer '${this.name}': the channel count of ${name} must be known at build time; got shape [${s}]`);
      return c;
    };
    // Check every shape before creating any weight: a half-built layer could never be built again.
    const cmfChannels = channels(cmf, 'cmf');
    const ctxChannels = ctx == null ? null : channels(ctx, 'ctx');
    const init = torchDefaultInit;
    this.valueKernel = this.addWeight('value/kernel', [1, 1, cmfChannels, this.dim], 'float32', init(cmfChannels));
    this.valueBias = this.addWeight('value/bias', [this.dim], 'float32', init(cmfChannels));
    if (ctxChannels != null) {
      this.queryKernel = this.addWeight('query/kernel', [1, 1, ctxChannels, this.dim], 'float32', init(ctxChannels));
      this.queryBias = this.addWeight('query/bias', [this.dim], 'float32', init(ctxChannels));
      this.keyKernel = this.addWeight('key/kernel', [1, 1, ctxChannels, this.dim], 'float32', init(ctxChannels));
      this.keyBias = this.addWeight('key/bias', [this.dim], 'float32', init(ctxChannels));
      this.para = this.addWeight('para', [1], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }

  /** `[B, h, w, dim]` from cmf's shape. */
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const {cmf} = this.splitShapes(inputShape);
    return [cmf[0], cmf[1], cmf[2], this.dim];
  }

  /**
   * The layer's weights as a {@link CfcmWeights} object: the live variables, not copies. Pass it to
   * {@link cfcm}; do not dispose it (the layer owns it). Throws before the layer is built.
   */
  get cfcmWeights(): CfcmWeights {
    if (this.valueKernel == null || this.valueBias == null) {
      throw new Error(`CfcmLayer '${this.name}' has no weights yet: apply it to inputs (tensors or tf.input symbols) first`);
    }
    const projection = (kernel?: tf.LayerVariable, bias?: tf.LayerVariable): CfcmProjection | undefined =>
      kernel && bias ? {kernel: kernel.read(), bias: bias.read()} : undefined;
    const weights: CfcmWeights = {value: projection(this.valueKernel, this.valueBias) as CfcmProjection};
    if (this.useSfa) {
      weights.query = projection(this.queryKernel, this.queryBias);
      weights.key = projection(this.keyKernel, this.keyBias);
      weights.para = this.para?.read();
    }
    return weights;
  }

  /**
   * Copy explicit weights (e.g. from {@link cfcmWeightsFromTorch}) into the layer's variables. The caller keeps
   * ownership of `weights`. Shapes must match the built layer exactly. Throws before the layer is built.
   */
  setCfcmWeights(weights: CfcmWeights): void {
    const current = this.cfcmWeights;
    const pairs: [string, tf.Tensor | undefined, tf.Tensor | undefined][] = [
      ['value.kernel', weights?.value?.kernel, current.value.kernel],
      ['value.bias', weights?.value?.bias, current.value.bias],
    ];
    if (this.useSfa) {
      pairs.push(['query.kernel', weights.query?.kernel, current.query?.kernel],
          ['query.bias', weights.query?.bias, current.query?.bias],
          ['key.kernel', weights.key?.kernel, current.key?.kernel],
          ['key.bias', weights.key?.bias, current.key?.bias],
          ['para', weights.para, current.para]);
    } else {
      const extra = (['query', 'key', 'para'] as const).filter((n) => weights?.[n] != null);
      if (extra.length > 0) {
        throw new Error(`CfcmLayer '${this.name}'.setCfcmWeights: useSfa is false, so weights must hold value only; got also ${extra.join(', ')}`);
      }
    }
    for (const [name, given, target] of pairs) {
      if (!(given instanceof tf.Tensor)) throw new Error(`CfcmLayer '${this.name}'.setCfcmWeights: weights.${name} is missing`);
      const sameShape = given.rank === target?.rank && given.shape.every((d, i) => d === target.shape[i]);
      // Para alone may be a scalar: any shape holding one value is accepted.
      const fits = target != null && given.size === target.size && (name === 'para' || sameShape);
      if (!fits || given.dtype !== 'float32') {
        throw new Error(`CfcmLayer '${this.name}'.setCfcmWeights: weights.${name} must be float32 of shape [${target?.shape}]; ` +
            `got ${given.dtype} [${given.shape}]`);
      }
    }
    // Para may come as a scalar; the variable is [1]. reshape shares the data, so disposing it is enough.
    const values = pairs.map(([name, given]) => (name === 'para' ? (given as tf.Tensor).reshape([1]) : given as tf.Tensor));
    try {
      this.setWeights(values);
    } finally {
      if (this.useSfa) values[values.length - 1].dispose();
    }
  }

  /** Runs {@link cfcm} with the layer's variables. */
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const expected = this.useSfa ? 2 : 1;
      if (list.length !== expected) {
        throw new Error(`CfcmLayer '${this.name}': expected ${this.useSfa ? '2 inputs [cmf, ctx]' : '1 input, cmf'}; got ${list.length}`);
      }
      const [cmfInput, ctxInput = null] = list;
      return cfcm(cmfInput as tf.Tensor4D, ctxInput as tf.Tensor4D | null, this.cfcmWeights, this.options);
    });
  }

  /** Base layer config plus `dim`, `softmax`, `valueActivation` and `useSfa`, so a saved model reloads as it was. */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      dim: this.dim,
      softmax: this.softmax,
      valueActivation: this.valueActivation,
      useSfa: this.useSfa,
    };
  }
}

tf.serialization.registerClass(CfcmLayer);

/**
 * Create a {@link CfcmLayer} (the `tf.layers.*` factory style).
 *
 * @param config see {@link CfcmLayerConfig}.
 */
export function cfcmLayer(config: CfcmLayerConfig = {}): CfcmLayer {
  return new CfcmLayer(config);
}
