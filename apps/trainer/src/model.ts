// Which network the trainer builds: DAEK (a preset of @daek/models, or the trainer's `tiny` widths) or RIFE's
// IFNet, with the teacher the user picked, and how the trained student is exported without its teacher.
import {
  DAEK, DAEK_PRESETS, IFNet, resolveDaekConfig, saveNetwork, structuralDifferences, type DaekConfig, type IFNetConfig,
} from '@daek/models';
import type {TeacherKind} from '@daek/distill';

/** The two network families the trainer drives. */
export type ModelKind = 'daek' | 'ifnet';

/** What defines the network of a run; saved in every checkpoint so that `--resume` rebuilds the same one. */
export interface ModelSpec {
  /** `daek` or `ifnet`. */
  model: ModelKind;
  /** DAEK preset name (`daek`, `baseline`, ..., `rife-ot`) or `tiny`; for IFNet `rife` or `tiny`. */
  preset: string;
  /** Fields over the preset: DAEK config fields, or IFNet's `{widths, teacherWidth}`. */
  overrides: Record<string, unknown>;
  /** Overrides the preset's teacher (`ours`, `rife`, `none`; IFNet: `rife` or `none`). */
  teacher?: TeacherKind;
}

/**
 * The trainer's `tiny` DAEK: the MEB, MRB and encoder-output widths cut to 8-16 channels, so a 64x64 training step
 * takes a few seconds on wasm. The encoders' inner widths (AMT's 64/72/128) and RIFE's synthesis width (16) are
 * kept: with them the tiny model learns motion within a few hundred steps (README), which it does not with those
 * cut too. 5.22M parameters. For tests and smoke runs, not for quality: `daek-s` is the small preset to train for use.
 */
export const TINY_DAEK: Partial<DaekConfig> = Object.freeze({
  mebWidths: [16, 16, 16], teacherWidth: 16, featChannels: 8, fnetDim: 16, cnetDim: 16,
  mrb: {hidden: 16, flowDim: 8, corrDim: 16, corrDim2: 16, fcDim: 16},
}) as Partial<DaekConfig>;

/** The trainer's `tiny` IFNet: block widths 16 (RIFE: 240, 150, 90; teacher 90). */
export const TINY_IFNET: IFNetConfig = Object.freeze({widths: [16, 16, 16], teacherWidth: 16}) as IFNetConfig;

/** Preset names `--preset` accepts for a model. */
export function presetNames(model: ModelKind): string[] {
  return model === 'daek' ? [...DAEK_PRESETS.map((p) => p.name), 'tiny'] : ['rife', 'tiny'];
}

/** Trainable parameter counts. */
export interface ParameterCount {
  /** Student + teacher (every trainable tensor). */
  total: number;
  /** The student alone (what inference runs and the export holds). */
  student: number;
}

/** A network ready to train, with what the loss and the checkpoint need to know about it. */
export interface TrainModel {
  /** The network (student + teacher). */
  network: DAEK | IFNet;
  /** The spec it was built from. */
  spec: ModelSpec;
  /** The teacher that trains it, which picks the loss (spec §2.3). */
  teacher: TeacherKind;
  /** What `saveWeights` stores as the model config: `createInterpolator` and `--resume` read it. */
  storedConfig: Record<string, unknown>;
  /** Trainable parameters. */
  parameters: ParameterCount;
}

const IFNET_FIELDS = new Set(['widths', 'teacherWidth', 'scales']);

/** The DAEK configuration of a spec (throws on unknown presets or fields, naming them). */
export function daekConfigOf(spec: ModelSpec, teacher?: TeacherKind): DaekConfig {
  const tiny = spec.preset === 'tiny';
  const overrides = {...(tiny ? TINY_DAEK : {}), ...spec.overrides} as Partial<DaekConfig>;
  if (tiny && spec.overrides.mrb) overrides.mrb = {...TINY_DAEK.mrb!, ...(spec.overrides.mrb as object)};
  const chosen = teacher ?? spec.teacher;
  if (chosen) overrides.teacher = chosen;
  return resolveDaekConfig(tiny ? 'daek' : spec.preset, overrides);
}

/** The IFNet configuration of a spec (teacher `none` = no teacher block). */
export function ifnetConfigOf(spec: ModelSpec, teacher?: TeacherKind): Required<IFNetConfig> {
  if (spec.preset !== 'rife' && spec.preset !== 'tiny') {
    throw new Error(`--preset ${spec.preset}: IFNet takes 'rife' (RIFE's widths) or 'tiny'.`);
  }
  const unknown = Object.keys(spec.overrides).filter((k) => !IFNET_FIELDS.has(k));
  if (unknown.length > 0) {
    throw new Error(`--config: unknown IFNet field(s) ${unknown.join(', ')}; IFNet takes widths, teacherWidth and scales.`);
  }
  const base: IFNetConfig = spec.preset === 'tiny' ? TINY_IFNET : {};
  const merged = {widths: [240, 150, 90], teacherWidth: 90, scales: [4, 2, 1], ...base, ...spec.overrides} as Required<IFNetConfig>;
  const chosen = teacher ?? spec.teacher;
  if (chosen === 'ours') {
    throw new Error("--teacher ours: IFNet has RIFE's own teacher only; use --teacher rife or none (or --model daek --preset rife-ot).");
  }
  if (chosen === 'none') merged.teacherWidth = 0;
  return merged;
}

/** Build the network of a spec with fresh (PyTorch-default, seeded) weights. */
export function buildTrainModel(spec: ModelSpec): TrainModel {
  if (spec.model === 'daek') {
    const config = daekConfigOf(spec);
    const network = new DAEK(config);
    const counts = network.parameterCount();
    return {
      network, spec, teacher: config.teacher,
      storedConfig: {model: 'daek', daekConfig: {...config}, trainer: {...spec}},
      parameters: {total: counts.total, student: counts.student},
    };
  }
  if (spec.model !== 'ifnet') throw new Error(`--model ${String(spec.model)}: expected daek or ifnet.`);
  const config = ifnetConfigOf(spec);
  const network = new IFNet(config);
  const counts = network.parameterCount();
  return {
    network, spec, teacher: config.teacherWidth > 0 ? 'rife' : 'none',
    storedConfig: {model: 'ifnet', ifnetConfig: {...config}, trainer: {...spec}},
    parameters: {total: counts.total, student: counts.student},
  };
}

/**
 * Save the trained student alone: the same network rebuilt with teacher `none`, given the trained values of every
 * tensor it has, then `saveNetwork` (so `createInterpolator({weights})` rebuilds it from the file). The teacher's
 * tensors are not written; a DAEK preset run is stored under the preset's name. Returns the number of tensors written.
 */
export async function exportStudent(model: TrainModel, destination: string): Promise<number> {
  const student = model.spec.model === 'daek' ?
    new DAEK(daekConfigOf(model.spec, 'none')) :
    new IFNet(ifnetConfigOf(model.spec, 'none'));
  try {
    const entries = student.store.entries();
    for (const {spec, variable} of entries) {
      const trained = model.network.store.entry(spec.name);
      if (!trained) throw new Error(`exportStudent: the trained model has no tensor ${spec.name} (a bug: please report it).`);
      variable.assign(trained.variable);
    }
    // A DAEK preset's widths are stored under the preset's name (`daek-s`), so createInterpolator({model}) takes it.
    const preset = student instanceof DAEK && model.spec.preset !== 'tiny' &&
      structuralDifferences(student.config, model.spec.preset).length === 0 ? model.spec.preset : undefined;
    await saveNetwork(student, destination, {model: preset});
    return entries.length;
  } finally {
    student.dispose();
  }
}

/** tfjs' registered name of every stored tensor, mapped to its PyTorch name (for optimizer state). */
export function variableNames(model: TrainModel): Map<string, string> {
  const names = new Map<string, string>();
  for (const {spec, variable} of model.network.store.entries()) names.set(variable.name, spec.name);
  return names;
}

/** Dispose a model's tensors. */
export function disposeModel(model: TrainModel): void {
  model.network.dispose();
}

