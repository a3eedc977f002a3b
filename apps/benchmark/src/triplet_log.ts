// The per-triplet CSV: one line per scored triplet, appended as the run goes, so that `--resume` can pick up a
// long run where it stopped. Each line carries a run key (a hash of the method, weights, padding, dataset and
// backend), so rows of another configuration are never mixed into a result.
import {appendFileSync, existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describeWriteError, ensureFolder, writeAtomically} from './report/safe_write.js';

/** One scored triplet. */
export interface TripletRow {
  /** Hash of the configuration that produced the row. */
  runKey: string;
  /** Dataset key (`vimeo`, `ucf101`, ...). */
  dataset: string;
  /** Method row label. */
  method: string;
  /** Position in the dataset's order. */
  index: number;
  /** Triplet id. */
  id: string;
  /** Frame width. */
  width: number;
  /** Frame height. */
  height: number;
  /** PSNR on the uint8-rounded prediction. */
  psnr: number;
  /** PSNR on the float prediction. */
  psnrFloat: number;
  /** SSIM (ssim_matlab) on the rounded prediction. */
  ssim: number;
  /** Interpolation error on the 0-255 scale. */
  ie: number;
  /** Wall time of the method's predict call in milliseconds (0 when not timed). */
  ms: number;
}

/** The CSV header, in column order. */
export const CSV_HEADER = ['run_key', 'dataset', 'method', 'index', 'id', 'width', 'height', 'psnr', 'psnr_float', 'ssim', 'ie', 'ms'];

function quote(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function formatNumber(v: number): string {
  return v === Infinity ? 'inf' : v === -Infinity ? '-inf' : Number.isNaN(v) ? 'nan' : String(v);
}

function parseNumber(text: string): number {
  return text === 'inf' ? Infinity : text === '-inf' ? -Infinity : text === 'nan' ? Number.NaN : Number(text);
}

/** Split one CSV line (RFC 4180 quoting, no embedded newlines). */
function splitLine(line: string): string[] {
  const out: string[] = [];
  let field = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      out.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  out.push(field);
  return out;
}

/** Format a row as one CSV line (with newline). */
export function formatRow(row: TripletRow): string {
  return [row.runKey, row.dataset, row.method, String(row.index), row.id, String(row.width), String(row.height),
    formatNumber(row.psnr), formatNumber(row.psnrFloat), formatNumber(row.ssim), formatNumber(row.ie), formatNumber(row.ms)]
      .map(quote).join(',') + '\n';
}

/**
 * Read the rows of a per-triplet CSV written by {@link TripletLog}. A torn last line (a run killed mid-write)
 * is ignored.
 *
 * @throws Error naming the file when its header is not the benchmark's.
 */
export function readTripletCsv(file: string): TripletRow[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines[0].trim() !== CSV_HEADER.join(',')) {
    throw new Error(`${file}: not a daek-bench per-triplet CSV (expected the header ${CSV_HEADER.join(',')}); ` +
        'use another --out folder, or remove the file to start afresh');
  }
  const rows: TripletRow[] = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const f = splitLine(line);
    if (f.length !== CSV_HEADER.length) continue;
    const row: TripletRow = {
      runKey: f[0], dataset: f[1], method: f[2], index: Number(f[3]), id: f[4], width: Number(f[5]), height: Number(f[6]),
      psnr: parseNumber(f[7]), psnrFloat: parseNumber(f[8]), ssim: parseNumber(f[9]), ie: parseNumber(f[10]), ms: parseNumber(f[11]),
    };
    if ([row.index, row.width, row.height, row.psnr, row.ssim, row.ie].some((v) => Number.isNaN(v))) continue;
    rows.push(row);
  }
  return rows;
}

/**
 * The per-triplet CSV of one output folder. A fresh run starts a new file (the header written to a
 * temporary file, then renamed over the old one); `resume` keeps the file and serves its rows back by run key.
 */
export class TripletLog {
  /** The CSV path. */
  readonly file: string;
  private readonly previous = new Map<string, Map<string, TripletRow>>();

  /** @throws ResultWriteError when the folder or the CSV cannot be written (read-only, no space left). */
  constructor(file: string, options: {resume: boolean}) {
    this.file = file;
    ensureFolder(path.dirname(file));
    if (options.resume && existsSync(file)) {
      for (const row of readTripletCsv(file)) {
        let byId = this.previous.get(row.runKey);
        if (!byId) this.previous.set(row.runKey, byId = new Map());
        byId.set(row.id, row);
      }
      // a torn last line would glue the next row onto it
      const text = readFileSync(file, 'utf8');
      if (!text.endsWith('\n')) this.appendText('\n');
    } else {
      writeAtomically(file, CSV_HEADER.join(',') + '\n', 'the per-triplet CSV');
    }
  }

  /** Rows kept from an earlier run for `runKey`, by triplet id (empty unless resuming). */
  resumed(runKey: string): Map<string, TripletRow> {
    return this.previous.get(runKey) ?? new Map();
  }

  /** Run keys with rows from earlier runs. */
  resumedKeys(): string[] {
    return [...this.previous.keys()];
  }

  /** Append one row (one write call per line, so a killed run leaves at most one torn line). */
  append(row: TripletRow): void {
    this.appendText(formatRow(row));
  }

  private appendText(text: string): void {
    try {
      appendFileSync(this.file, text);
    } catch (error) {
      throw describeWriteError(error, this.file, 'the per-triplet CSV');
    }
  }
}
