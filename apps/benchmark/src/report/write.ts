// Assemble a run's report (markdown with the protocol block, JSON, PNG chart) and write it: each file to a
// temporary name beside the target, then renamed, so a reader never sees half a file.
import path from 'node:path';
import {chartPng} from './chart.js';
import {protocolLines} from './protocol.js';
import type {RunData} from './run_data.js';
import {ensureFolder, writeAtomically} from './safe_write.js';
import {ablationReport, middleburyReport, runtimeReport, table1Report, type ReportBody} from './tables.js';

/** The files a report is written to. */
export interface ReportFiles {
  /** Markdown: tables, notes and the protocol block. */
  markdown: string;
  /** The same results as JSON. */
  json: string;
  /** The chart. */
  chart: string;
  /** The per-triplet CSV (written during the run). */
  csv: string;
}

/** A finished report. */
export interface Report {
  /** The markdown printed to stdout and written to `results.md`. */
  markdown: string;
  /** The JSON object written to `results.json`. */
  json: Record<string, unknown>;
  /** Where the files are. */
  files: ReportFiles;
}

const TITLES: Record<RunData['command'], string> = {
  default: 'daek-bench: the embedded default (synthetic set)',
  table1: 'daek-bench table1',
  table2: 'daek-bench table2',
  table3: 'daek-bench table3',
  middlebury: 'daek-bench middlebury',
  runtime: 'daek-bench runtime',
};

function body(data: RunData): ReportBody {
  switch (data.command) {
    case 'default':
    case 'table1': return table1Report(data);
    case 'table2': return ablationReport(data, 'II');
    case 'table3': return ablationReport(data, 'III');
    case 'middlebury': return middleburyReport(data);
    case 'runtime': return runtimeReport(data);
  }
}

/** The report's files in `outDir`. */
export function reportFiles(outDir: string): ReportFiles {
  return {
    markdown: path.join(outDir, 'results.md'),
    json: path.join(outDir, 'results.json'),
    chart: path.join(outDir, 'chart.png'),
    csv: path.join(outDir, 'triplets.csv'),
  };
}

/**
 * Build the report of a run and write its files into `outDir`.
 *
 * @throws ResultWriteError naming the file and the cause (read-only folder, no space left); no temporary file is left.
 */
export async function writeReport(data: RunData, outDir: string): Promise<Report> {
  const files = reportFiles(outDir);
  const {markdown: tables, chart, paper} = body(data);
  const protocol = protocolLines(data);
  const markdown = [
    `# ${TITLES[data.command]}`,
    '',
    tables.trimEnd(),
    '',
    '### Protocol',
    '',
    '```text',
    ...protocol,
    '```',
    '',
    `Files: ${path.basename(files.json)} (the same results), ${path.basename(files.chart)} (chart), ` +
        `${path.basename(files.csv)} (every triplet; \`--resume\` continues from it).`,
    '',
  ].join('\n');
  const json: Record<string, unknown> = {
    tool: 'daek-bench',
    command: data.command,
    argv: data.argv,
    startedAt: data.startedAt,
    machine: data.machine,
    backend: data.backend,
    limit: data.limit ?? null,
    runtime: data.runtime,
    notes: data.notes,
    sets: data.sets.map((s) => ({key: s.key, label: s.label, source: s.source, flag: s.flag, fullSize: s.fullSize ?? null})),
    methods: data.methods.map((m) => ({
      spec: m.spec, info: m.info, unavailable: m.unavailable ?? null, runtime: m.runtime,
      results: m.results.map(({rows: _rows, ...rest}) => rest),
    })),
    protocol,
    paper,
    files,
  };
  ensureFolder(outDir);
  writeAtomically(files.markdown, markdown, 'the report');
  writeAtomically(files.json, JSON.stringify(json, (_k, v) => (v === Infinity ? 'inf' : Number.isNaN(v) ? null : v), 2) + '\n', 'the report');
  writeAtomically(files.chart, await chartPng(chart), 'the chart');
  return {markdown, json, files};
}
