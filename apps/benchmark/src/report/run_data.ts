// What a finished run hands to the report writers.
import type {EvalSet} from '../eval_sets.js';
import type {SetResult} from '../evaluate.js';
import type {MachineInfo} from '../machine.js';
import type {MethodInfo} from '../methods/method.js';
import type {RuntimeResult} from '../timing.js';

/** The report a command produces. */
export type Command = 'default' | 'table1' | 'table2' | 'table3' | 'middlebury' | 'runtime';

/** A runtime measurement on one backend. */
export interface BackendRuntime extends RuntimeResult {
  /** The backend it ran on (described, e.g. `wasm (SIMD on, threads off)`). */
  backend: string;
}

/** One method of a run. */
export interface MethodRun {
  /** The `--method` spec it came from. */
  spec: string;
  /** Its description after prepare. */
  info: MethodInfo;
  /** Why it could not run (then it has no results). */
  unavailable?: string;
  /** Runtime measurements (Table I: one at 448x256; `runtime`: one per backend and size). */
  runtime: BackendRuntime[];
  /** One result per set. */
  results: SetResult[];
}

/** Runtime settings of a run. */
export interface RuntimeSettings {
  /** Warm-up runs. */
  warmup: number;
  /** Timed runs. */
  runs: number;
}

/** Everything a report needs. */
export interface RunData {
  /** The command. */
  command: Command;
  /** The command line, for the record. */
  argv: string[];
  /** When the run started (ISO 8601). */
  startedAt: string;
  /** The sets, in column order. */
  sets: EvalSet[];
  /** The methods, in row order. */
  methods: MethodRun[];
  /** The machine. */
  machine: MachineInfo;
  /** The backend the sets were scored on (described). */
  backend: string;
  /** `--limit`, when given. */
  limit?: number;
  /** Runtime settings. */
  runtime: RuntimeSettings;
  /** Extra notes for the top of the report. */
  notes: string[];
}
