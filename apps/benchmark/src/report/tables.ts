// The markdown tables of each command, with the paper's numbers in the column beside ours, and the chart
// that goes with them.
import type {EvalSet} from '../eval_sets.js';
import type {SetResult} from '../evaluate.js';
import type {MethodInfo} from '../methods/method.js';
import {presetAliases, SAME_MODEL} from '../methods/parse.js';
import {
  PAPER_CITATION, PAPER_NOTES, PAPER_TABLE_1, PAPER_TABLE_2, PAPER_TABLE_3, PUBLISHED_MIDDLEBURY, PUBLISHED_UCF101, type AblationRow,
  type Table1Column, type Table1Row,
} from '../paper.js';
import type {ChartBar, ChartGroup, ChartSpec} from './chart.js';
import type {MethodRun, RunData} from './run_data.js';

/** A command's report body. */
export interface ReportBody {
  /** Markdown sections (tables and notes), without the protocol block. */
  markdown: string;
  /** The chart. */
  chart: ChartSpec;
  /** The published numbers shown, for the JSON. */
  paper: unknown;
}

const DASH = '—';

/** A markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(escape).join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

function num(v: number | undefined, digits: number): string {
  if (v === undefined || Number.isNaN(v)) return DASH;
  return v === Infinity ? 'inf' : v.toFixed(digits);
}

const TABLE1_KEYS: readonly string[] = ['vimeo', 'ucf101', 'snu-easy', 'snu-medium', 'snu-hard', 'snu-extreme'];

/** The paper's Table I row a method reproduces: DAEK final → "Ours", RIFE's IFNet → "RIFE". */
export function table1RowFor(info: MethodInfo): Table1Row | undefined {
  if (info.kind !== 'model') return undefined;
  if (info.preset !== undefined && SAME_MODEL.includes(info.preset)) return PAPER_TABLE_1.find((r) => r.method === 'Ours');
  if (info.name === 'rife' || (info.preset === undefined && /rife/.test(info.name))) return PAPER_TABLE_1.find((r) => r.method === 'RIFE');
  return undefined;
}

function ablationRowFor(rows: readonly AblationRow[], info: MethodInfo): AblationRow | undefined {
  if (info.kind !== 'model' || info.preset === undefined) return undefined;
  for (const name of presetAliases(info.preset)) {
    const row = rows.find((r) => r.preset === name);
    if (row) return row;
  }
  return undefined;
}

function rowLabel(method: MethodRun): string {
  const tags: string[] = [];
  if (method.info.weights?.random) tags.push('random init');
  return tags.length ? `${method.info.name} (${tags.join(', ')})` : method.info.name;
}

function resultOf(method: MethodRun, set: EvalSet): SetResult | undefined {
  return method.results.find((r) => r.set === set.key);
}

function setHeader(set: EvalSet, data: RunData): string {
  const counts = data.methods.flatMap((m) => m.results.filter((r) => r.set === set.key));
  const result = counts[0];
  if (!result) return set.label;
  if (result.complete) return set.label;
  const of = set.fullSize !== undefined ? `${result.count} of ${set.fullSize}` : `${result.count}`;
  return `${set.label} (${of})`;
}

/** Notes shown above every table: untrained weights, synthetic data, subsets, unavailable methods. */
function warnings(data: RunData): string[] {
  const out: string[] = [...data.notes];
  const random = data.methods.filter((m) => m.info.weights?.random && !m.unavailable);
  if (random.length > 0) {
    const names = random.map((m) => `\`${m.info.name}\``).join(', ');
    out.push(`**Untrained: ${names} (random init).** No weights were given for ${random.length > 1 ? 'these networks' : 'this network'} ` +
        'and none ship with @daek/models, so they ran with randomly initialised weights: their numbers exercise the pipeline ' +
        'and say nothing about the method. Pass trained weights with `--weights` or `--method daek=PATH`.');
  }
  if (data.sets.some((s) => s.key === 'synthetic')) {
    out.push('**Synthetic set, not the paper\'s data:** seeded triplets from @daek/datasets with exact ground truth; ' +
        'the paper\'s columns are for reference only.');
  }
  for (const set of data.sets) {
    const r = data.methods.flatMap((m) => m.results).find((x) => x.set === set.key);
    if (r && set.fullSize !== undefined && !r.complete) {
      out.push(`**Subset:** ${set.label} scored on ${r.count} of its ${set.fullSize} triplets; not comparable with the ` +
          'published full-set numbers.');
    }
  }
  for (const m of data.methods.filter((x) => x.unavailable)) out.push(`**${m.info.name} unavailable:** ${m.unavailable}`);
  return out;
}

function paragraphs(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join('\n');
}

function floatPsnrTable(data: RunData): string {
  const sets = data.sets;
  const rows = data.methods.filter((m) => !m.unavailable).map((m) => [rowLabel(m), ...sets.map((s) => {
    const r = resultOf(m, s);
    return r ? `${num(r.means.psnrFloat, 2)} (Δ ${num(r.means.psnrFloat - r.means.psnr, 3)})` : DASH;
  })]);
  return markdownTable(['PSNR on the float output (dB)', ...sets.map((s) => s.label)], rows);
}

function paramsCell(info: MethodInfo): string {
  if (info.parameters === undefined) return DASH;
  if (info.parameters === 0) return '0';
  const student = (info.parameters / 1e6).toFixed(2);
  return info.parametersWithTeacher ? `${student} (${(info.parametersWithTeacher / 1e6).toFixed(2)} w/ teacher)` : student;
}

/** Table I (also the embedded default): PSNR/SSIM per set, parameters and runtime, paper beside ours. */
export function table1Report(data: RunData): ReportBody {
  const sets = data.sets;
  const paperSet = (s: EvalSet) => TABLE1_KEYS.includes(s.key);
  const header = ['Method'];
  for (const s of sets) {
    header.push(`${setHeader(s, data)} PSNR/SSIM`);
    if (paperSet(s)) header.push('paper');
  }
  header.push('Params (M)', 'paper', 'Runtime (s, 448x256)', 'paper');
  const rows: string[][] = [];
  for (const m of data.methods) {
    const paper = table1RowFor(m.info);
    const row = [rowLabel(m) + (paper ? ` ↔ paper "${paper.method}"` : '')];
    for (const s of sets) {
      const r = resultOf(m, s);
      row.push(m.unavailable ? 'unavailable' : r ? `${num(r.means.psnr, 2)}/${num(r.means.ssim, 4)}` : DASH);
      if (paperSet(s)) {
        const p = paper?.scores[s.key as Table1Column];
        row.push(p ? `${p.psnr.toFixed(2)}/${p.ssim.toFixed(3)}` : DASH);
      }
    }
    const runtime = m.runtime.find((x) => x.width === 448 && x.height === 256);
    row.push(paramsCell(m.info), paper ? paper.parametersM.toFixed(2) : DASH,
        runtime ? (runtime.medianMs / 1000).toFixed(3) : DASH, paper ? paper.runtimeS.toFixed(2) : DASH);
    rows.push(row);
  }
  const shown = new Set(data.methods.map((m) => table1RowFor(m.info)?.method).filter(Boolean));
  for (const paper of PAPER_TABLE_1.filter((r) => !shown.has(r.method))) {
    const row = [`${paper.method} (paper only)`];
    for (const s of sets) {
      row.push(DASH);
      if (paperSet(s)) {
        const p = paper.scores[s.key as Table1Column];
        row.push(`${p.psnr.toFixed(2)}/${p.ssim.toFixed(3)}`);
      }
    }
    row.push(DASH, paper.parametersM.toFixed(2), DASH, paper.runtimeS.toFixed(2));
    rows.push(row);
  }
  const backendNote = `Runtime: seconds per 448x256 frame on ${data.backend}, median after warm-up (see the protocol); ` +
      'the paper\'s runtime is on a GPU at an unstated resolution.';
  const published = sets.some((s) => s.key === 'ucf101')
    ? [`Other published UCF101-DVF numbers (all 379 triplets, PSNR/SSIM): ${PUBLISHED_UCF101.map((p) =>
      `${p.method} ${p.psnr!.toFixed(2)}/${p.ssim!.toFixed(4)}`).join(', ')} (${PUBLISHED_UCF101[0].source}); SSIM ` +
      'implementations differ between papers, PSNR compares cleanly.']
    : [];
  const markdown = [
    `## Table I: ${sets.map((s) => s.label).join(', ')}`,
    '',
    paragraphs(warnings(data)),
    markdownTable(header, rows),
    '',
    `PSNR (dB) on the uint8-rounded output / SSIM (ssim_matlab), as RIFE's benchmark scripts; "paper" columns: ${PAPER_CITATION}, Table I. ${backendNote}`,
    '',
    floatPsnrTable(data),
    '',
    paragraphs(published),
    paragraphs(PAPER_NOTES.filter((n) => !n.sets || n.sets.some((k) => sets.some((s) => s.key === k)))
        .map((n) => `Note on the paper: ${n.text}`)),
  ].join('\n');
  const groups: ChartGroup[] = sets.map((s) => ({
    label: s.label,
    bars: data.methods.flatMap((m) => {
      const r = resultOf(m, s);
      const bars: ChartBar[] = [{series: m.info.name, value: r?.means.psnr, kind: 'ours'}];
      const p = paperSet(s) ? table1RowFor(m.info)?.scores[s.key as Table1Column] : undefined;
      if (p) bars.push({series: m.info.name, value: p.psnr, kind: 'paper' as const});
      return bars;
    }),
  }));
  const random = data.methods.some((m) => m.info.weights?.random && !m.unavailable);
  return {
    markdown,
    chart: {title: 'daek-bench Table I: PSNR (dB, uint8-rounded output)', yLabel: 'PSNR (dB)', groups,
      subtitle: random ? 'random init (no trained weights shipped): not comparable with the paper' : undefined},
    paper: {citation: PAPER_CITATION, table: 'I', rows: PAPER_TABLE_1, notes: PAPER_NOTES},
  };
}

/** Tables II and III: one row per paper setting (preset), PSNR per set, paper beside ours. */
export function ablationReport(data: RunData, which: 'II' | 'III'): ReportBody {
  const paperRows = which === 'II' ? PAPER_TABLE_2 : PAPER_TABLE_3;
  const paperKeys = which === 'II' ? ['vimeo', 'ucf101'] : ['vimeo'];
  const sets = data.sets;
  const header = ['Setting', 'method'];
  for (const s of sets) {
    header.push(`${setHeader(s, data)} PSNR`);
    if (paperKeys.includes(s.key)) header.push('paper');
  }
  // the paper's columns for its sets that were not run, so its numbers are always on the table
  const missingKeys = paperKeys.filter((k) => !sets.some((s) => s.key === k));
  const paperLabel: Record<string, string> = {vimeo: 'Vimeo-90K', ucf101: 'UCF101'};
  for (const k of missingKeys) header.push(`paper ${paperLabel[k]} PSNR`);
  header.push('SSIM (first set)', 'Params (M)');
  const rows: string[][] = [];
  const used = new Set<MethodRun>();
  const paperValue = (row: AblationRow | undefined, key: string) =>
    row ? (key === 'vimeo' ? row.vimeo : key === 'ucf101' ? row.ucf101 : undefined) : undefined;
  const addRow = (label: string, m: MethodRun | undefined, paper: AblationRow | undefined) => {
    const row = [label, m ? rowLabel(m) : 'not run'];
    for (const s of sets) {
      const r = m ? resultOf(m, s) : undefined;
      row.push(m?.unavailable ? 'unavailable' : r ? num(r.means.psnr, 2) : DASH);
      if (paperKeys.includes(s.key)) row.push(num(paperValue(paper, s.key), 2));
    }
    for (const k of missingKeys) row.push(num(paperValue(paper, k), 2));
    const first = m && sets[0] ? resultOf(m, sets[0]) : undefined;
    row.push(first ? num(first.means.ssim, 4) : DASH, m ? paramsCell(m.info) : DASH);
    rows.push(row);
  };
  for (const paper of paperRows) {
    const m = data.methods.find((x) => !used.has(x) && ablationRowFor([paper], x.info));
    if (m) used.add(m);
    addRow(paper.setting, m, paper);
  }
  for (const m of data.methods.filter((x) => !used.has(x))) addRow(DASH, m, undefined);
  const title = which === 'II' ? 'Table II: components (ablation presets)' : 'Table III: distillation schemes';
  const markdown = [
    `## ${title}: ${sets.map((s) => s.label).join(', ')}`,
    '',
    paragraphs(warnings(data)),
    markdownTable(header, rows),
    '',
    `PSNR (dB) on the uint8-rounded output; "paper" columns: ${PAPER_CITATION}, Table ${which}. Presets follow spec §4.` +
        (which === 'III' ? ' At inference the DAEK rows differ only in their trained weights (the teacher is training-only), ' +
        'so without trained weights their differences mean nothing.' : ''),
    '',
    floatPsnrTable(data),
  ].join('\n');
  const groups: ChartGroup[] = paperRows.map((paper) => {
    const m = data.methods.find((x) => ablationRowFor([paper], x.info));
    return {
      label: paper.setting,
      bars: sets.flatMap((s) => {
        const bars: ChartBar[] = [{series: s.label, value: m ? resultOf(m, s)?.means.psnr : undefined, kind: 'ours'}];
        const p = paperValue(paper, s.key);
        if (paperKeys.includes(s.key) && p !== undefined) bars.push({series: s.label, value: p, kind: 'paper' as const});
        return bars;
      }),
    };
  });
  const random = data.methods.some((m) => m.info.weights?.random && !m.unavailable);
  return {
    markdown,
    chart: {title: `daek-bench Table ${which}: PSNR (dB)`, yLabel: 'PSNR (dB)', groups,
      subtitle: random ? 'random init (no trained weights shipped): not comparable with the paper' : undefined},
    paper: {citation: PAPER_CITATION, table: which, rows: paperRows},
  };
}

/** Middlebury Other: IE and PSNR per method, published numbers beside; per-sequence IE. */
export function middleburyReport(data: RunData): ReportBody {
  const set = data.sets.find((s) => s.key === 'middlebury') ?? data.sets[0];
  const rows: string[][] = [];
  for (const m of data.methods) {
    const r = resultOf(m, set);
    const published = m.info.kind === 'model' && m.info.name === 'rife' ? PUBLISHED_MIDDLEBURY.find((p) => p.method === 'RIFE') : undefined;
    rows.push([rowLabel(m), m.unavailable ? 'unavailable' : num(r?.means.ie, 3), num(published?.ie, 3),
      num(r?.means.psnr, 2), num(published?.psnr, 2), num(r?.means.psnrFloat, 2), num(r?.means.ssim, 4)]);
  }
  for (const p of PUBLISHED_MIDDLEBURY) {
    rows.push([`${p.method} (published, ${p.source})`, DASH, num(p.ie, 3), DASH, num(p.psnr, 2), DASH, DASH]);
  }
  const ran = data.methods.filter((m) => resultOf(m, set));
  const ids = ran[0] ? resultOf(ran[0], set)!.rows.map((r) => r.id) : [];
  const perSequence = markdownTable(['Sequence (IE)', ...ran.map((m) => m.info.name)],
      ids.map((id) => [id, ...ran.map((m) => num(resultOf(m, set)!.rows.find((r) => r.id === id)?.ie, 3))]));
  const markdown = [
    `## Middlebury Other: ${setHeader(set, data)}`,
    '',
    paragraphs(warnings(data)),
    markdownTable(['Method', 'IE', 'published IE', 'PSNR', 'published PSNR', 'PSNR float', 'SSIM'], rows),
    '',
    'IE: mean absolute difference on the 0-255 scale of the uint8-rounded output (lower is better). The DAEK paper ' +
        'reports no Middlebury numbers; the published ones (RIFE README, IFRNet README, via ../shared/data/README.md) ' +
        'zero-pad the inputs to 480x640, while this run pads as the protocol block says.',
    '',
    perSequence,
  ].join('\n');
  const groups: ChartGroup[] = [{
    label: 'Middlebury Other IE',
    bars: [
      ...data.methods.map((m) => ({series: m.info.name, value: resultOf(m, set)?.means.ie, kind: 'ours' as const})),
      ...PUBLISHED_MIDDLEBURY.map((p) => ({series: p.method, value: p.ie, kind: 'paper' as const})),
    ],
  }];
  return {
    markdown,
    chart: {title: 'daek-bench Middlebury Other: interpolation error (lower is better)', yLabel: 'IE (0-255)', groups, decimals: 3},
    paper: {published: PUBLISHED_MIDDLEBURY},
  };
}

/** Runtime: ms per frame by method, backend and size; the paper's Table I runtime beside. */
export function runtimeReport(data: RunData): ReportBody {
  const columns = [...new Map(data.methods.flatMap((m) => m.runtime.map((r) => [`${r.backend}|${r.width}x${r.height}`, r]))).values()];
  const header = ['Method', ...columns.map((c) => `${c.backend} ${c.width}x${c.height} (ms)`), 'paper (s, GPU)'];
  const rows = data.methods.map((m) => [
    rowLabel(m),
    ...columns.map((c) => {
      if (m.unavailable) return 'unavailable';
      const r = m.runtime.find((x) => x.backend === c.backend && x.width === c.width && x.height === c.height);
      return r ? r.medianMs.toFixed(1) : DASH;
    }),
    num(table1RowFor(m.info)?.runtimeS, 2),
  ]);
  const markdown = [
    '## Runtime: milliseconds per frame',
    '',
    paragraphs(warnings(data)),
    markdownTable(header, rows),
    '',
    `Median of ${data.runtime.runs} timed run(s) after ${data.runtime.warmup} warm-up run(s); each run is one predict call ` +
        '(upload, padding, forward pass, crop, download). Random weights time the same as trained ones. The paper\'s ' +
        `runtime (${PAPER_CITATION}, Table I) is on a GPU at an unstated resolution.`,
  ].join('\n');
  const sizes = [...new Set(columns.map((c) => `${c.width}x${c.height}`))];
  const groups: ChartGroup[] = sizes.map((size) => ({
    label: size,
    bars: data.methods.flatMap((m) => m.runtime.filter((r) => `${r.width}x${r.height}` === size)
        .map((r) => ({series: `${m.info.name} @ ${r.backend.split(' ')[0]}`, value: r.medianMs, kind: 'ours' as const}))),
  }));
  return {markdown, chart: {title: 'daek-bench runtime (ms per frame, lower is better)', yLabel: 'ms per frame', groups, decimals: 0},
    paper: {citation: PAPER_CITATION, table: 'I', runtimeS: PAPER_TABLE_1.map((r) => ({method: r.method, runtimeS: r.runtimeS}))}};
}
