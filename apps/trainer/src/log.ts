// The run log: one JSON object per line, appended as the run goes. A resumed run first drops the lines written
// after its checkpoint (by a run that was killed before it could save), so the log matches the run's history.
import {appendFile, readFile, rename, writeFile} from 'node:fs/promises';
import {writing} from '@daek/cli-support';

/** A logged training step. */
export interface StepRecord {
  /** `train`. */
  type: 'train';
  /** Optimiser steps done (1 after the first step). */
  step: number;
  /** Epoch of this step. */
  epoch: number;
  /** Total loss. */
  loss: number;
  /** `L_rec`. */
  rec: number;
  /** `L_rec_tea` (with a teacher). */
  recTeacher?: number;
  /** `L_dis` (with a teacher; before the λ weight). */
  distill?: number;
  /** Learning rate of this step. */
  lr: number;
  /** Seconds this step took (data, forward, backward, update). */
  seconds: number;
  /** Batch size / seconds. */
  samplesPerSecond: number;
  /** ISO time. */
  time: string;
}

/** A validation result. */
export interface ValidationRecord {
  /** `val`. */
  type: 'val';
  /** Optimiser steps done. */
  step: number;
  /** The student's PSNR (dB, float output). */
  psnr: number;
  /** Frame averaging's PSNR on the same set. */
  frameAveragePsnr: number;
  /** Seconds the validation took. */
  seconds: number;
  /** ISO time. */
  time: string;
}

/** An event: start, resume, stop, checkpoint, end. */
export interface EventRecord {
  /** `event`. */
  type: 'event';
  /** Optimiser steps done. */
  step: number;
  /** What happened. */
  event: 'start' | 'resume' | 'checkpoint' | 'stop' | 'end';
  /** Details. */
  detail?: Record<string, unknown>;
  /** ISO time. */
  time: string;
}

/** One line of the log. */
export type LogRecord = StepRecord | ValidationRecord | EventRecord;

/** Append-only JSONL log. */
export class JsonlLog {
  /** The log file. */
  readonly file: string;

  /** @param file the log file (created on the first write). */
  constructor(file: string) {
    this.file = file;
  }

  /** Append one record. */
  async write(record: LogRecord): Promise<void> {
    await writing(this.file, () => appendFile(this.file, `${JSON.stringify(record)}\n`));
  }

  /** Every record in the file (none when it does not exist). A torn last line (a kill mid-write) is ignored. */
  async read(): Promise<LogRecord[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as {code?: string}).code === 'ENOENT') return [];
      throw error;
    }
    const out: LogRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as LogRecord);
      } catch {
        // a line cut short by a kill
      }
    }
    return out;
  }

  /** Keep only the records of steps up to `step` (rewritten through a temporary file). */
  async truncateAfter(step: number): Promise<void> {
    const kept = (await this.read()).filter((r) => r.step <= step);
    const temporary = `${this.file}.tmp-${process.pid}`;
    await writing(this.file, async () => {
      await writeFile(temporary, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
      await rename(temporary, this.file);
    });
  }
}
