// The published numbers the benchmark prints beside its own, copied as data with their sources.
// DAEK paper: "Dual Motion Attention and Enhanced Knowledge Distillation for Video Frame Interpolation",
// Zhang, Lou, Hna, Chen, Liao, Yang, Ding (text in ../shared/paper/daek-paper.txt), Tables I, II and III.

/** A PSNR (dB) / SSIM pair as printed in a paper. */
export interface PsnrSsim {
  /** PSNR in dB. */
  psnr: number;
  /** SSIM (the paper does not say which implementation; RIFE-derived methods use ssim_matlab). */
  ssim: number;
}

/** Dataset columns of the paper's Table I. */
export type Table1Column = 'vimeo' | 'ucf101' | 'snu-easy' | 'snu-medium' | 'snu-hard' | 'snu-extreme';

/** One row of Table I. */
export interface Table1Row {
  /** The method as the paper names it. */
  method: string;
  /** PSNR/SSIM per dataset column. */
  scores: Record<Table1Column, PsnrSsim>;
  /** Parameters in millions. */
  parametersM: number;
  /** Runtime in seconds per frame (the paper states neither the resolution nor the GPU of this column). */
  runtimeS: number;
}

/** Where the numbers come from. */
export const PAPER_CITATION = 'Zhang, Lou, et al., "Dual Motion Attention and Enhanced Knowledge Distillation for Video ' +
    'Frame Interpolation" (DAEK)';

const row = (method: string, s: number[], parametersM: number, runtimeS: number): Table1Row => ({
  method,
  scores: {
    'vimeo': {psnr: s[0], ssim: s[1]},
    'ucf101': {psnr: s[2], ssim: s[3]},
    'snu-easy': {psnr: s[4], ssim: s[5]},
    'snu-medium': {psnr: s[6], ssim: s[7]},
    'snu-hard': {psnr: s[8], ssim: s[9]},
    'snu-extreme': {psnr: s[10], ssim: s[11]},
  },
  parametersM,
  runtimeS,
});

/**
 * DAEK paper, Table I: "The evaluation of various interpolation methods on Vimeo-90K test set, UCF101 dataset
 * and SNU-FILM dataset" (PSNR/SSIM, parameters (M), runtime (s)). Row "Ours" is DAEK.
 */
export const PAPER_TABLE_1: readonly Table1Row[] = [
  row('IFRNet', [35.80, 0.979, 35.29, 0.969, 40.03, 0.990, 35.94, 0.979, 30.41, 0.935, 25.05, 0.858], 5.0, 0.02),
  row('AdaCoF', [32.00, 0.971, 35.08, 0.966, 39.80, 0.990, 35.05, 0.975, 29.46, 0.924, 24.31, 0.843], 21.8, 0.02),
  row('BMBC', [35.01, 0.976, 35.15, 0.969, 39.90, 0.990, 35.31, 0.977, 29.33, 0.927, 23.92, 0.843], 11.0, 0.3),
  row('EBME', [35.58, 0.978, 35.30, 0.969, 40.01, 0.991, 35.80, 0.979, 30.42, 0.935, 25.25, 0.861], 3.9, 0.02),
  row('RIFE', [35.32, 0.976, 35.29, 0.973, 38.06, 0.983, 35.14, 0.975, 29.72, 0.925, 24.31, 0.843], 9.8, 0.01),
  row('M2M-PWC', [35.49, 0.978, 35.32, 0.970, 39.66, 0.991, 35.74, 0.980, 30.32, 0.936, 25.07, 0.860], 7.6, 0.03),
  row('Ours', [35.66, 0.979, 35.42, 0.971, 36.13, 0.981, 33.97, 0.971, 29.91, 0.933, 25.13, 0.861], 22.48, 0.03),
];

/** One row of Table II or III: a setting, the preset that reproduces it, and its published PSNRs. */
export interface AblationRow {
  /** The setting as the paper names it. */
  setting: string;
  /** The `@daek/models` preset (spec §4). */
  preset: string;
  /** Vimeo-90K PSNR (dB). */
  vimeo: number;
  /** UCF101 PSNR (dB); Table III has none. */
  ucf101?: number;
}

/** DAEK paper, Table II: "Validity of different components of our model" (PSNR; spec §4 maps the rows to presets). */
export const PAPER_TABLE_2: readonly AblationRow[] = [
  {setting: 'Baseline', preset: 'baseline', vimeo: 35.32, ucf101: 35.29},
  {setting: 'DAEK-F-CA', preset: 'daek-f-ca', vimeo: 35.43, ucf101: 35.39},
  {setting: 'DAEK-F-SFA', preset: 'daek-f-sfa', vimeo: 35.31, ucf101: 35.35},
  {setting: 'DAEK-F-DA', preset: 'daek-f-da', vimeo: 35.66, ucf101: 35.45},
  {setting: 'DAEK-DA', preset: 'daek-da', vimeo: 35.49, ucf101: 35.30},
];

/** DAEK paper, Table III: "Ablation experiments for distillation schemes" (Vimeo-90K PSNR). */
export const PAPER_TABLE_3: readonly AblationRow[] = [
  {setting: 'DAEK w/o distill', preset: 'daek-no-distill', vimeo: 35.20},
  {setting: 'DAEK w/ RT', preset: 'daek-rt', vimeo: 35.40},
  {setting: 'DAEK w/ OT', preset: 'daek-ot', vimeo: 35.66},
  {setting: 'RIFE w/ OT', preset: 'rife-ot', vimeo: 35.49},
];

/** A remark on the paper's numbers, shown under a table when one of its sets (or any, when `sets` is absent) is shown. */
export interface PaperNote {
  /** The remark. */
  text: string;
  /** Set keys it concerns; absent: every Table I report. */
  sets?: readonly string[];
}

/** Inconsistencies and caveats in the paper's own numbers, printed under the tables that show them. */
export const PAPER_NOTES: readonly PaperNote[] = [
  {text: 'Table I gives DAEK ("Ours") 35.42 dB on UCF101 while Table II gives the same final model (DAEK-F-DA) 35.45 dB.',
    sets: ['ucf101']},
  {text: 'DAEK\'s SNU-FILM Easy/Medium (36.13 / 33.97) are below every baseline of its own Table I (38.06-40.03 / ' +
      '35.05-35.94) while Hard/Extreme are normal: spec §6 expects a faithful re-implementation to score higher there.',
  sets: ['snu-easy', 'snu-medium']},
  {text: 'Table I\'s parameter count 22.48M is student + teacher (spec §5, A19: 22.51M in this port); RIFE\'s 9.8M matches ' +
      'neither of RIFE\'s own counts (10.71M with teacher, 10.07M without).'},
  {text: 'Table I\'s runtime column states neither the resolution nor the hardware (training used an NVIDIA A30); ' +
      'our runtime is seconds per 448x256 frame on the named tfjs backend, so only the ranking is comparable.'},
];

/** A published number on Middlebury Other or a UCF101 subset that is not in the DAEK paper. */
export interface PublishedScore {
  /** The method. */
  method: string;
  /** Middlebury interpolation error (0-255 scale). */
  ie?: number;
  /** PSNR (dB). */
  psnr?: number;
  /** SSIM. */
  ssim?: number;
  /** Where the number is published. */
  source: string;
}

/**
 * Middlebury Other interpolation error (12 sequences with ground truth; the DAEK paper has no Middlebury
 * numbers). Copied from ../shared/data/README.md, which cites the RIFE README and the IFRNet README figure.
 * Those numbers zero-pad the inputs to 480x640 (RIFE `benchmark/MiddleBury_Other.py`).
 */
export const PUBLISHED_MIDDLEBURY: readonly PublishedScore[] = [
  {method: 'RIFE', ie: 1.956, source: 'RIFE README'},
  {method: 'IFRNet', ie: 1.946, psnr: 37.50, ssim: 0.9861, source: 'IFRNet README'},
  {method: 'IFRNet-L', ie: 1.846, source: 'IFRNet README'},
  {method: 'IFRNet-S', ie: 1.995, source: 'IFRNet README'},
];

/** UCF101-DVF (all 379 triplets) from the IFRNet paper, Table 1 (via ../shared/data/README.md). */
export const PUBLISHED_UCF101: readonly PublishedScore[] = [
  {method: 'RIFE', psnr: 35.28, ssim: 0.9690, source: 'IFRNet paper, Table 1'},
  {method: 'IFRNet', psnr: 35.29, ssim: 0.9693, source: 'IFRNet paper, Table 1'},
  {method: 'IFRNet-L', psnr: 35.42, ssim: 0.9698, source: 'IFRNet paper, Table 1'},
  {method: 'DAIN', psnr: 34.99, ssim: 0.9683, source: 'IFRNet paper, Table 1'},
  {method: 'AdaCoF', psnr: 34.90, ssim: 0.9680, source: 'IFRNet paper, Table 1'},
  {method: 'SepConv', psnr: 34.78, ssim: 0.9669, source: 'IFRNet paper, Table 1'},
  {method: 'ToFlow', psnr: 34.58, ssim: 0.9667, source: 'IFRNet paper, Table 1'},
];

/** Full sizes of the evaluation sets (spec §6), to tell a full run from a subset. */
export const FULL_SET_SIZES: Readonly<Record<string, number>> = {
  'vimeo': 3782,
  'ucf101': 379,
  'snu-easy': 310,
  'snu-medium': 310,
  'snu-hard': 310,
  'snu-extreme': 310,
  'middlebury': 12,
};
