// The DAEK configuration and the ablation presets of the paper's Tables II and III (spec §4).

/** Which teacher trains the student (paper Table III): DAEK's own ("OT"), RIFE's ("RT"), or none. */
export type TeacherKind = 'ours' | 'rife' | 'none';

/** Widths of an MRB (AMT's update block; spec §1.2, TUNED = AMT-G). */
export interface MrbWidths {
  /** Width of the fusion ("gru") and heads (192). */
  hidden: number;
  /** Flow-feature channels (64). */
  flowDim: number;
  /** First correlation conv width (256). */
  corrDim: number;
  /** Correlation-feature channels (192). */
  corrDim2: number;
  /** C_v, the CFCM width. */
  fcDim: number;
}

/** Everything that defines a DAEK network. Every field has the final configuration's value by default. */
export interface DaekConfig {
  /** Student MEB widths c (RIFE's 240, 150, 90). */
  mebWidths: [number, number, number];
  /** Teacher MEB width (90). */
  teacherWidth: number;
  /** C', the intermediate-feature channels of every MEB (64; 0 = no "F"). */
  featChannels: number;
  /** Appearance encoder (fnet) output channels (128). */
  fnetDim: number;
  /** Context encoder (cnet) output channels per image (256); ctx has twice as many. */
  cnetDim: number;
  /** Inner widths of both encoders: conv1/layer1, layer2, layer3 (AMT's 64, 72, 128). */
  encoderWidths: [number, number, number];
  /** RIFE's c of the synthesis network (Contextnet and Unet; 16). */
  synthesisWidth: number;
  /** MRB widths. */
  mrb: MrbWidths;
  /** Correlation pyramid levels (4) and window radius (3). */
  corrLevels: number;
  /** Correlation window radius (3). */
  corrRadius: number;
  /** Motion refinement blocks after each MEB (Table II's "DA" rows). */
  useMrb: boolean;
  /** Correlation attention: fnet, the bidirectional correlation and its convolutions (the "CA" of Table II). */
  useCa: boolean;
  /** Self feature attention: cnet, Q/K/Score/Para of CFCM (the "SFA" of Table II). */
  useSfa: boolean;
  /** The teacher (Table III). */
  teacher: TeacherKind;
  /** CFCM softmax axis: over channels (A9) or over positions (A9-alt). */
  softmax: 'channel' | 'spatial';
  /**
   * How the correlation volume is computed: AMT's all-pairs volume, or the memory-light exact lookup of
   * spec §7.2 (same values to ~1e-6, far less memory at high resolution).
   */
  correlation: 'all-pairs' | 'memory-light';
  /** RIFE's scale list (4, 2, 1). */
  scales: [number, number, number];
}

/** The final configuration, "DAEK-F-DA w/ OT" (spec §1.2): 22,511,931 parameters, 19,760,329 in the student. */
export const DAEK_FINAL: Readonly<DaekConfig> = Object.freeze({
  mebWidths: [240, 150, 90],
  teacherWidth: 90,
  featChannels: 64,
  fnetDim: 128,
  cnetDim: 256,
  encoderWidths: [64, 72, 128],
  synthesisWidth: 16,
  mrb: {hidden: 192, flowDim: 64, corrDim: 256, corrDim2: 192, fcDim: 188},
  corrLevels: 4,
  corrRadius: 3,
  useMrb: true,
  useCa: true,
  useSfa: true,
  teacher: 'ours',
  softmax: 'channel',
  correlation: 'all-pairs',
  scales: [4, 2, 1],
}) as Readonly<DaekConfig>;

/**
 * `daek-s`: the final DAEK (MEBs with intermediate features, MRBs with the bidirectional correlation and CFCM,
 * the OT teacher, RIFE's synthesis) at widths a CPU can train: a training step at 128x128 costs about a tenth of
 * the full model's multiply-accumulates (see the models README). Correlation levels and radius are DAEK's.
 */
export const DAEK_S_OVERRIDES: Readonly<Partial<DaekConfig>> = Object.freeze({
  mebWidths: [64, 48, 32], teacherWidth: 32, featChannels: 8, fnetDim: 32, cnetDim: 32, encoderWidths: [16, 24, 32], synthesisWidth: 8,
  mrb: {hidden: 48, flowDim: 24, corrDim: 64, corrDim2: 48, fcDim: 48},
}) as Readonly<Partial<DaekConfig>>;

/** One named configuration with where it comes from in the paper. */
export interface DaekPreset {
  /** Preset name, e.g. `daek-f-ca`. */
  name: string;
  /** The paper's row label. */
  paperRow: string;
  /** Table(s) the row appears in. */
  table: string;
  /** The switches over {@link DAEK_FINAL}. */
  overrides: Partial<DaekConfig>;
}

/** Every ablation row of Tables II and III, plus A15-alt. Names are lower-case paper labels. */
export const DAEK_PRESETS: readonly DaekPreset[] = Object.freeze([
  {name: 'daek', paperRow: 'Ours (DAEK-F-DA w/ OT)', table: 'I, II, III', overrides: {}},
  {name: 'baseline', paperRow: 'Baseline (= RIFE with its own teacher, A15)', table: 'II',
    overrides: {featChannels: 0, useMrb: false, useCa: false, useSfa: false, teacher: 'rife'}},
  {name: 'daek-f-ca', paperRow: 'DAEK-F-CA', table: 'II', overrides: {useSfa: false}},
  {name: 'daek-f-sfa', paperRow: 'DAEK-F-SFA', table: 'II', overrides: {useCa: false}},
  {name: 'daek-f-da', paperRow: 'DAEK-F-DA', table: 'II', overrides: {}},
  {name: 'daek-da', paperRow: 'DAEK-DA', table: 'II', overrides: {featChannels: 0}},
  {name: 'daek-no-distill', paperRow: 'DAEK w/o distill', table: 'III', overrides: {teacher: 'none'}},
  {name: 'daek-rt', paperRow: 'DAEK w/ RT', table: 'III', overrides: {teacher: 'rife'}},
  {name: 'daek-ot', paperRow: 'DAEK w/ OT', table: 'III', overrides: {}},
  {name: 'rife-ot', paperRow: 'RIFE w/ OT', table: 'III', overrides: {featChannels: 0, useMrb: false, teacher: 'ours'}},
  {name: 'baseline-alt', paperRow: 'Baseline-alt (A15-alt, not a paper row)', table: '-',
    overrides: {featChannels: 0, useCa: false, useSfa: false}},
  {name: 'daek-s', paperRow: 'DAEK-S (not a paper row: every DAEK mechanism at CPU-trainable widths)', table: '-',
    overrides: DAEK_S_OVERRIDES},
] satisfies DaekPreset[]);

/** The names of {@link DAEK_PRESETS}. */
export type DaekPresetName = 'daek' | 'baseline' | 'daek-f-ca' | 'daek-f-sfa' | 'daek-f-da' | 'daek-da' |
  'daek-no-distill' | 'daek-rt' | 'daek-ot' | 'rife-ot' | 'baseline-alt' | 'daek-s';

/** A full configuration from a preset name and/or overrides. Unknown names and fields throw. */
export function resolveDaekConfig(preset: string = 'daek', overrides: Partial<DaekConfig> = {}): DaekConfig {
  const found = DAEK_PRESETS.find((p) => p.name === preset);
  if (!found) {
    throw new Error(`Unknown DAEK preset "${preset}". Use one of: ${DAEK_PRESETS.map((p) => p.name).join(', ')}.`);
  }
  const known = new Set(Object.keys(DAEK_FINAL));
  const unknown = Object.keys(overrides).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new Error(`Unknown DAEK config field(s): ${unknown.join(', ')}.`);
  const config = {...DAEK_FINAL, ...found.overrides, ...overrides,
    mrb: {...DAEK_FINAL.mrb, ...found.overrides.mrb, ...overrides.mrb}} as DaekConfig;
  if (!['ours', 'rife', 'none'].includes(config.teacher)) {
    throw new Error(`teacher: expected 'ours', 'rife' or 'none', got ${String(config.teacher)}.`);
  }
  if (config.featChannels < 0 || !Number.isInteger(config.featChannels)) {
    throw new Error(`featChannels: expected an integer >= 0, got ${config.featChannels}.`);
  }
  return config;
}
