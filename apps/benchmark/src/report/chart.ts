// A grouped bar chart as SVG, turned into PNG by sharp (libvips + librsvg): our numbers as solid bars, the
// paper's beside them as outlined bars of the same colour, so the comparison reads at a glance.
import sharp from 'sharp';

/** One bar. */
export interface ChartBar {
  /** Series name (a method or setting); bars of one series share a colour. */
  series: string;
  /** The value; NaN or undefined draws nothing. */
  value?: number;
  /** `paper` bars are outlined and labelled as published numbers. */
  kind: 'ours' | 'paper';
}

/** A group of bars (one dataset, one setting, one size). */
export interface ChartGroup {
  /** Label under the group. */
  label: string;
  /** Bars left to right. */
  bars: ChartBar[];
}

/** A chart. */
export interface ChartSpec {
  /** Title at the top. */
  title: string;
  /** Y-axis label. */
  yLabel: string;
  /** Groups left to right. */
  groups: ChartGroup[];
  /** A line under the title (for example "random init: not comparable"). */
  subtitle?: string;
  /** Decimals of the value labels (default 2). */
  decimals?: number;
}

const PALETTE = ['#4477aa', '#ee6677', '#228833', '#ccbb44', '#66ccee', '#aa3377', '#bbbbbb', '#000000'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({'<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', '\'': '&apos;'})[c]!);
}

/** A "nice" axis maximum and step for values up to `max`. */
function niceAxis(max: number): {top: number; step: number} {
  if (!(max > 0)) return {top: 1, step: 0.2};
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!;
  return {top: Math.ceil(max / step) * step, step};
}

/** The chart as SVG text. */
export function chartSvg(spec: ChartSpec): string {
  const decimals = spec.decimals ?? 2;
  const series = [...new Set(spec.groups.flatMap((g) => g.bars.map((b) => b.series)))];
  const colour = (name: string) => PALETTE[series.indexOf(name) % PALETTE.length];
  const values = spec.groups.flatMap((g) => g.bars.map((b) => b.value ?? Number.NaN)).filter((v) => Number.isFinite(v));
  const {top, step} = niceAxis(Math.max(0, ...values) * 1.12); // headroom for the value labels
  const barWidth = 26, barGap = 4;
  const left = 70, right = 20, plotTop = spec.subtitle ? 70 : 50, plotHeight = 300;
  const groupWidths = spec.groups.map((g) => Math.max(1, g.bars.length) * (barWidth + barGap) - barGap);
  const barsWidth = groupWidths.reduce((a, b) => a + b, 0);
  const width = Math.max(680, left + barsWidth + 36 * (spec.groups.length + 1) + right);
  // spread the groups over the plot: a narrow chart does not huddle at the left
  const plotWidth = width - left - right;
  const groupGap = (plotWidth - barsWidth) / (spec.groups.length + 1);
  const legendColumns = Math.max(1, Math.floor((width - left - right) / 200));
  const legendRows = Math.ceil((series.length + 1) / legendColumns);
  const height = plotTop + plotHeight + 60 + legendRows * 20 + 10;
  const y = (v: number) => plotTop + plotHeight - (v / top) * plotHeight;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, Arial, sans-serif">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${width / 2}" y="26" font-size="17" text-anchor="middle" font-weight="bold">${escapeXml(spec.title)}</text>`);
  if (spec.subtitle) parts.push(`<text x="${width / 2}" y="48" font-size="13" text-anchor="middle" fill="#aa3333">${escapeXml(spec.subtitle)}</text>`);
  for (let v = 0; v <= top + 1e-9; v += step) {
    parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(v)}" y2="${y(v)}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${Number(v.toFixed(6))}</text>`);
  }
  parts.push(`<text transform="translate(18 ${plotTop + plotHeight / 2}) rotate(-90)" font-size="12" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);
  let x = left + groupGap;
  spec.groups.forEach((group, gi) => {
    group.bars.forEach((bar, bi) => {
      const bx = x + bi * (barWidth + barGap);
      const v = bar.value;
      if (v === undefined || !Number.isFinite(v)) {
        parts.push(`<text x="${bx + barWidth / 2}" y="${y(0) - 4}" font-size="10" text-anchor="middle" fill="#888">n/a</text>`);
        return;
      }
      const fill = bar.kind === 'paper' ? 'white' : colour(bar.series);
      const stroke = colour(bar.series);
      const dash = bar.kind === 'paper' ? ' stroke-dasharray="4 2"' : '';
      parts.push(`<rect x="${bx}" y="${y(Math.max(0, v))}" width="${barWidth}" height="${Math.max(0, y(0) - y(Math.max(0, v)))}" ` +
          `fill="${fill}" stroke="${stroke}" stroke-width="2"${dash}/>`);
      parts.push(`<text transform="translate(${bx + barWidth / 2 + 4} ${y(Math.max(0, v)) - 4}) rotate(-90)" font-size="10">` +
          `${v.toFixed(decimals)}</text>`);
    });
    parts.push(`<text x="${x + groupWidths[gi] / 2}" y="${plotTop + plotHeight + 18}" font-size="12" text-anchor="middle">` +
        `${escapeXml(group.label)}</text>`);
    x += groupWidths[gi] + groupGap;
  });
  parts.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`);
  const legendTop = plotTop + plotHeight + 40;
  const entries = [...series.map((s) => ({label: s, colour: colour(s), paper: false})), {label: 'paper (outlined)', colour: '#555', paper: true}];
  entries.forEach((entry, i) => {
    const lx = left + (i % legendColumns) * 200, ly = legendTop + Math.floor(i / legendColumns) * 20;
    const dash = entry.paper ? ' stroke-dasharray="4 2"' : '';
    parts.push(`<rect x="${lx}" y="${ly}" width="14" height="12" fill="${entry.paper ? 'white' : entry.colour}" stroke="${entry.colour}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${lx + 20}" y="${ly + 11}" font-size="12">${escapeXml(entry.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The chart as PNG bytes. */
export async function chartPng(spec: ChartSpec): Promise<Buffer> {
  return sharp(Buffer.from(chartSvg(spec))).png().toBuffer();
}
