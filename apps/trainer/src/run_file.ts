// run.json: every setting of a run, written when it starts and updated when a resume changes a run-time option,
// so that a bare `--resume --out DIR` continues exactly as the run that wrote DIR (the checkpoint interval, the
// number kept and the backend included), even when it was killed before its first checkpoint.
import {readFileSync} from 'node:fs';
import {rename, writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {BackendName} from '@daek/flow-ops';
import {writing} from '@daek/cli-support';
import type {RunSettings} from './run.js';

/** The file's name in the run folder. */
export const RUN_FILE = 'run.json';

/** `format` of run.json. */
export const RUN_FORMAT = 'daek-train-run';

/** How a run is executed: a resume may change these (and says so), while the {@link RunSettings} are fixed. */
export interface RuntimeSettings {
  /** tfjs backend. */
  backend: BackendName;
  /** Checkpoint every this many steps. */
  checkpointEvery: number;
  /** Checkpoints kept. */
  keep: number;
  /** wasm: threads asked for (`--threads`); null: the logical cores (os.availableParallelism()). */
  threads: number | null;
}

/** The defaults of {@link RuntimeSettings}. */
export const DEFAULT_RUNTIME: Readonly<RuntimeSettings> = Object.freeze({backend: 'wasm', checkpointEvery: 1000, keep: 3, threads: null});

/** The flag of each run-time setting, for messages. */
export const RUNTIME_FLAGS: Readonly<Record<keyof RuntimeSettings, string>> =
  Object.freeze({backend: '--backend', checkpointEvery: '--checkpoint-every', keep: '--keep', threads: '--threads'});

/** The contents of run.json. */
export interface RunFile {
  /** {@link RUN_FORMAT}. */
  format: string;
  /** 1. */
  version: number;
  /** The run's settings (as in each checkpoint's state.json). */
  settings: RunSettings;
  /** The latest run-time settings. */
  runtime: RuntimeSettings;
  /** When the run started (ISO time). */
  created: string;
  /** When this file was last written. */
  updated: string;
}

/** Read `<out>/run.json` (null when there is none); a damaged one is an error naming it. */
export function readRunFile(out: string): RunFile | null {
  const file = path.join(out, RUN_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as {code?: string}).code === 'ENOENT') return null;
    throw error;
  }
  let run: RunFile;
  try {
    run = JSON.parse(text) as RunFile;
  } catch (error) {
    throw new Error(`${file} is damaged (${(error as Error).message}); pass --restart to discard the run in ${out}.`);
  }
  if (run.format !== RUN_FORMAT || run.version !== 1) {
    throw new Error(`${file} is not a daek-train run file of version 1 (format ${run.format}, version ${run.version}).`);
  }
  return run;
}

/** Write `<out>/run.json` (through a temporary file). */
export async function writeRunFile(out: string, run: Omit<RunFile, 'format' | 'version' | 'updated'>): Promise<void> {
  const file = path.join(out, RUN_FILE);
  const temporary = `${file}.tmp-${process.pid}`;
  const contents: RunFile = {format: RUN_FORMAT, version: 1, ...run, updated: new Date().toISOString()};
  await writing(file, async () => {
    await writeFile(temporary, `${JSON.stringify(contents, null, 2)}\n`);
    await rename(temporary, file);
  });
}
