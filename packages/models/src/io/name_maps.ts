// How checkpoint keys become this package's tensor names. Our networks are named exactly like their PyTorch
// modules (IFNet: block0..2, block_tea, contextnet, unet; DAEK: the spec's module names), so a map is mostly
// "strip DataParallel's `module.`, drop buffers we do not keep". Maps are plain data so users can add their own.

/** One rename: keys matching `pattern` become `key.replace(pattern, replacement)`. */
export interface NameRule {
  /** What to replace in a key (a global regexp replaces every match). */
  pattern: RegExp;
  /** The replacement, with `$1`-style groups as in `String.prototype.replace`. */
  replacement: string;
  /** Why this rule exists (shown in documentation and reports). */
  note?: string;
}

/** One class of checkpoint keys to drop when the model has no such tensor. */
export interface IgnoreRule {
  /** Keys (after renaming) that match are dropped when the model has no such tensor. */
  pattern: RegExp;
  /** Why dropping it is safe. */
  note: string;
}

/**
 * How a checkpoint's keys map onto a model's tensor names.
 * Applied in this order: strip the `module.` prefix, then every rename rule (in order, each applied once),
 * then drop the keys an ignore rule matches and the model does not hold.
 */
export interface NameMap {
  /** Short name, e.g. `rife-ifnet`. */
  name: string;
  /** What checkpoints this map is for. */
  description: string;
  /**
   * DataParallel / DistributedDataParallel prefix handling:
   * - `'auto'` (default): when more than half of the keys start with `module.`, strip it from those keys;
   * - `true`: strip it from every key that has it; `false`: never strip.
   */
  stripModulePrefix?: 'auto' | boolean;
  /** Renames. */
  rules: NameRule[];
  /** Keys dropped when the model has no tensor of that name (they are never reported as unexpected). */
  ignore: IgnoreRule[];
}

/** The DataParallel prefix. */
export const MODULE_PREFIX = 'module.';

const NUM_BATCHES_TRACKED: IgnoreRule = {
  pattern: /(^|\.)num_batches_tracked$/,
  note: 'BatchNorm step counter (int64): only used when momentum is None, which no network here does.',
};

/** Keys kept verbatim (after the `module.` prefix rule). */
export const IDENTITY_MAP: NameMap = {
  name: 'identity',
  description: 'Checkpoint keys are this model\'s names (after stripping a DataParallel module. prefix).',
  stripModulePrefix: 'auto',
  rules: [],
  ignore: [NUM_BATCHES_TRACKED],
};

/**
 * RIFE ECCV2022 (`hzwer/ECCV2022-RIFE`, `train_log/flownet.pkl`) into `IFNet`. The checkpoint is a
 * DataParallel state dict (`module.block0.conv0.0.0.weight`, ...); after the prefix our names are PyTorch's.
 * The teacher `block_tea.*` is dropped when the model was built without a teacher (inference only).
 */
export const RIFE_IFNET_MAP: NameMap = {
  name: 'rife-ifnet',
  description: 'RIFE ECCV2022 flownet.pkl (IFNet, DataParallel keys) into IFNet.',
  stripModulePrefix: 'auto',
  rules: [],
  ignore: [
    {pattern: /^block_tea\./, note: 'The privileged teacher block is used only in training; an inference model has none.'},
    NUM_BATCHES_TRACKED,
  ],
};

/**
 * A DAEK state dict laid out with the spec's module names (block0..2, block_tea, fnet, cnet, mrb.*, mrb_tea,
 * contextnet, unet). cnet's `layer{2,3}.0.downsample.1.*` are the same tensors as `layer{2,3}.0.norm3.*` (PyTorch
 * registers that BatchNorm twice); the model declares them as aliases and either key loads it. The int64
 * `num_batches_tracked` buffers are dropped, and so are the teacher's tensors when the model has no teacher.
 */
export const DAEK_MAP: NameMap = {
  name: 'daek',
  description: 'DAEK (reference PyTorch sketch) state dict into DAEK.',
  stripModulePrefix: 'auto',
  rules: [],
  ignore: [
    NUM_BATCHES_TRACKED,
    {pattern: /^(block_tea|mrb_tea)\./, note: 'The teacher (OT) is used only in training; an inference model has none.'},
  ],
};

/** Every built-in map by name. Add entries (or pass your own {@link NameMap}) for other checkpoint layouts. */
export const NAME_MAPS: Record<string, NameMap> = {
  [IDENTITY_MAP.name]: IDENTITY_MAP,
  [RIFE_IFNET_MAP.name]: RIFE_IFNET_MAP,
  [DAEK_MAP.name]: DAEK_MAP,
};

/** What {@link mapKeys} did. */
export interface MappedKeys {
  /** Model name -> checkpoint key, for every key kept, in checkpoint order. */
  keys: Map<string, string>;
  /** Checkpoint keys dropped by an ignore rule (the model has no such tensor). */
  ignored: string[];
  /** True when the `module.` prefix was stripped. */
  strippedModulePrefix: boolean;
  /** Problems: two checkpoint keys that map to the same name. */
  problems: string[];
}

/**
 * Map checkpoint keys to model names.
 *
 * On the `module.` prefix we differ from RIFE's `Model.load_model`, which strips every `module.` substring from the
 * keys that contain one and silently drops the keys without it: here only a leading `module.` is stripped, and
 * keys without it are kept, so a strict load reports them instead of losing them.
 *
 * @param keys checkpoint keys in order.
 * @param has whether the model holds a tensor of this name (aliases included); decides what ignore rules drop.
 */
export function mapKeys(keys: Iterable<string>, map: NameMap, has: (name: string) => boolean): MappedKeys {
  const all = [...keys];
  const mode = map.stripModulePrefix ?? 'auto';
  const prefixed = all.filter((k) => k.startsWith(MODULE_PREFIX)).length;
  const strip = mode === true || (mode === 'auto' && prefixed * 2 > all.length);
  const out = new Map<string, string>();
  const ignored: string[] = [];
  const problems: string[] = [];
  for (const key of all) {
    let name = strip && key.startsWith(MODULE_PREFIX) ? key.slice(MODULE_PREFIX.length) : key;
    for (const rule of map.rules) name = name.replace(rule.pattern, rule.replacement);
    if (!has(name) && map.ignore.some((rule) => rule.pattern.test(name))) {
      ignored.push(key);
      continue;
    }
    const previous = out.get(name);
    if (previous !== undefined) {
      problems.push(`checkpoint keys ${previous} and ${key} both map to ${name}`);
      continue;
    }
    out.set(name, key);
  }
  return {keys: out, ignored, strippedModulePrefix: strip && prefixed > 0, problems};
}
