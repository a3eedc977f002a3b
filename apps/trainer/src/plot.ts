// Small line charts of the loss and the validation PSNR: SVG drawn here, rasterised to PNG by sharp, written to a
// temporary file and renamed so that a viewer never reads half a file.
import {rename, rm} from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

/** One line of a chart. */
export interface Series {
  /** Legend text. */
  name: string;
  /** `[x, y]` points, x increasing. */
  points: readonly (readonly [number, number])[];
  /** CSS colour. */
  color: string;
  /** Dashed line (reference levels such as frame averaging). */
  dashed?: boolean;
}

/** A chart. */
export interface LineChart {
  /** Title above the plot. */
  title: string;
  /** X axis label. */
  xLabel: string;
  /** Y axis label. */
  yLabel: string;
  /** The lines. */
  series: readonly Series[];
  /** Width in pixels (default 800). */
  width?: number;
  /** Height in pixels (default 450). */
  height?: number;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** About `count` round tick values covering [low, high]. */
export function ticks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Keep at most `max` points, evenly spaced, always with the last one. */
function thin(points: readonly (readonly [number, number])[], max = 1500): (readonly [number, number])[] {
  if (points.length <= max) return [...points];
  const every = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % every === 0);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]!);
  return out;
}

/** Trailing mean over `window` points: a readable trend through per-step noise. */
export function trailingMean(points: readonly (readonly [number, number])[], window: number): [number, number][] {
  const out: [number, number][] = [];
  let sum = 0;
  points.forEach(([x, y], i) => {
    sum += y;
    if (i >= window) sum -= points[i - window]![1];
    out.push([x, sum / Math.min(i + 1, window)]);
  });
  return out;
}

/** The chart as SVG text. Empty series draw an empty frame with "no data yet". */
export function lineChartSvg(chart: LineChart): string {
  const width = chart.width ?? 800, height = chart.height ?? 450;
  // The legend sits above the plot, one row per line, so it never hides data.
  const left = 70, right = 20, top = 40 + 16 * chart.series.length, bottom = 50;
  const series = chart.series.map((s) => ({...s, points: thin(s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)))}));
  const all = series.flatMap((s) => s.points);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escape(chart.title)}</text>`,
  ];
  const plotW = width - left - right, plotH = height - top - bottom;
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  if (all.length === 0) {
    parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#888">no data yet</text></svg>`);
    return parts.join('');
  }
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  const pad = y1 > y0 ? (y1 - y0) * 0.05 : Math.abs(y0) * 0.05 || 1;
  y0 -= pad; y1 += pad;
  const sx = (x: number) => left + (x - x0) / (x1 - x0) * plotW;
  const sy = (y: number) => top + (1 - (y - y0) / (y1 - y0)) * plotH;
  for (const t of ticks(y0, y1)) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  }
  for (const t of ticks(x0, x1).filter((v) => Number.isInteger(v))) {
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<text x="${left + plotW / 2}" y="${height - 10}" text-anchor="middle">${escape(chart.xLabel)}</text>`,
    `<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(chart.yLabel)}</text>`);
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    if (s.points.length === 1) {
      parts.push(`<circle cx="${sx(s.points[0]![0]).toFixed(1)}" cy="${sy(s.points[0]![1]).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    const ly = 48 + i * 16;
    parts.push(`<line x1="${left}" x2="${left + 20}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"` +
      `${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${left + 26}" y="${ly}">${escape(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Render a chart to a PNG file atomically (temporary file, then rename). */
export async function writeChartPng(file: string, chart: LineChart): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}`;
  try {
    await sharp(Buffer.from(lineChartSvg(chart))).png().toFile(temporary);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, {force: true});
    throw error;
  }
}

/** Logged steps the loss plot's trend line averages over. */
export const LOSS_WINDOW = 20;

/**
 * A run's two plots from its history: `loss.png` (every logged loss and their trailing mean) and `val_psnr.png`
 * (the student's validation PSNR, with frame averaging's as a dashed level).
 */
export async function writeRunPlots(out: string, history: {loss: [number, number][]; val: [number, number][]},
    baselinePsnr: number | null, label: string): Promise<void> {
  await writeChartPng(path.join(out, 'loss.png'), {title: `training loss (${label})`, xLabel: 'step', yLabel: 'loss', series: [
    {name: 'loss (logged steps)', points: history.loss, color: '#9ecae1'},
    {name: `mean of the last ${LOSS_WINDOW} logged`, points: trailingMean(history.loss, LOSS_WINDOW), color: '#08519c'}]});
  const end = history.val.length ? Math.max(1, history.val[history.val.length - 1]![0]) : 1;
  await writeChartPng(path.join(out, 'val_psnr.png'), {title: `validation PSNR, float output (${label})`, xLabel: 'step',
    yLabel: 'PSNR (dB)', series: [{name: 'student', points: history.val, color: '#d62728'},
      ...(baselinePsnr === null ? [] : [{name: 'frame averaging', points: [[0, baselinePsnr], [end, baselinePsnr]] as [number, number][],
        color: '#555', dashed: true}])]});
}
