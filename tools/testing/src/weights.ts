/**
 * The fixtures' closed-form weight formula (shared/fixtures/parity and shared/fixtures/daek READMEs):
 * every golden tensor was produced with weights computed from (p, k) by this hash, so no weights are stored.
 */

/** Weight kinds of the formula; `kind` in the fixtures' state_dict.json listings. */
export type FormulaKind = 'conv_weight' | 'mrb_conv_weight' | 'deconv_weight' | 'bias' | 'prelu' |
  'bn_weight' | 'bn_bias' | 'bn_running_mean' | 'bn_running_var' | 'bn_num_batches_tracked' | 'para';

/** One entry of a fixture's state_dict.json listing (the fields the formula needs). */
export interface StateDictEntry {
  p: number;
  name: string;
  shape: number[];
  kind: FormulaKind;
  fan_in?: number | null;
  full_name?: string;
  alias_of?: string;
}

/** uint32 hash of (tensor index p, flat element index k). */
export function hash32(p: number, k: number): number {
  let x = (Math.imul(k, 0x9e3779b1) ^ ((Math.imul(p, 0x85ebca77) + 0x27d4eb2f) | 0)) >>> 0;
  x ^= x >>> 16; x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15; x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The tensor with index `p` of the given kind, in PyTorch layout and C order, as float32. */
export function formulaTensor(p: number, kind: FormulaKind, numel: number, fanIn?: number | null): Float32Array {
  const out = new Float32Array(numel);
  if (kind === 'bn_num_batches_tracked') return out;
  const needsFan = kind === 'conv_weight' || kind === 'mrb_conv_weight' || kind === 'deconv_weight';
  if (needsFan && !(fanIn != null && fanIn > 0)) throw new Error(`formulaTensor: kind ${kind} needs fan_in`);
  const gain = kind === 'mrb_conv_weight' ? 1.0 : 3.375;
  const scale = needsFan ? Math.sqrt(gain / (fanIn as number)) : 0;
  for (let k = 0; k < numel; k++) {
    const s = 2 * ((hash32(p, k) >>> 8) / 16777216) - 1;
    switch (kind) {
      case 'bias': out[k] = s * 0.05; break;
      case 'prelu': out[k] = 0.25 + s * 0.05; break;
      case 'bn_weight': out[k] = 1 + s * 0.1; break;
      case 'bn_bias': case 'bn_running_mean': out[k] = s * 0.1; break;
      case 'bn_running_var': out[k] = 1 + s * 0.25; break;
      case 'para': out[k] = 0.5 + s * 0.25; break;
      default: out[k] = s * scale;
    }
  }
  return out;
}

/** The formula tensor for a listing entry. */
export function formulaFor(entry: StateDictEntry): Float32Array {
  const numel = entry.shape.reduce((a, b) => a * b, 1);
  return formulaTensor(entry.p, entry.kind, numel, entry.fan_in);
}
