#!/usr/bin/env node
// daek-interp: the command-line entry point. Progress and messages go to stderr, the summary to stdout.
import type {ProgressStream} from '@daek/cli-support';
import {parseCommandLine, USAGE} from './args.js';
import {createEngine} from './engines.js';
import {InterpError, StoppedError} from './errors.js';
import {interpolateFolder, interpolateFrames, type ImagesSummary} from './images.js';
import {interpolateVideo, type RunContext, type VideoSummary} from './video.js';

/** Where output goes and what the command runs with (tests replace parts). */
export interface MainContext extends Partial<RunContext> {
  /** Summary output (stdout). */
  stdout?: ProgressStream;
}

function describeVideo(s: VideoSummary): string {
  const lines = [
    `daek-interp: wrote ${s.output}: ${s.outputFrames} frames at ${s.outputRate} fps from ${s.inputFrames} at ${s.inputRate} fps ` +
      `(${s.duration.toFixed(3)} s kept${s.variableFrameRate ? ', variable-rate input mapped by timestamps' : ''})`,
    `  network: ${s.interpolated} frames in ${s.passes} passes; ${s.identical} copied (identical inputs); ` +
      `${s.cuts} scene cut(s): ${s.duplicatedAtCuts} frames filled with the same shot's input frame, ${s.blendedAtCuts} cross-faded`,
    `  engine ${s.engine}, model ${s.model}; encoder ${s.encoder}; audio/subtitle streams: ${s.streams.copied} copied, ` +
      `${s.streams.reencoded} re-encoded; timing error at most ${s.maxTimingError} of a frame interval`,
    `  ${s.seconds.toFixed(1)} s (network ${s.networkSeconds.toFixed(1)} s), ${s.fps.toFixed(2)} frames/s${s.resumedSegments ? `; ${s.resumedSegments} segment(s) from the earlier run` : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

function describeImages(s: ImagesSummary): string {
  return `daek-interp: wrote ${s.written.length} frame(s)${s.written.length === 1 ? ` (${s.written[0]})` : ''}; network ${s.interpolated} ` +
    `frames in ${s.passes} passes, ${s.identical} copied, ${s.cuts} scene cut(s); engine ${s.engine}, model ${s.model}; ${s.seconds.toFixed(1)} s\n`;
}

/**
 * Run `daek-interp` with `argv` (without node and the script) and return the exit status: 0 done, 2 bad input
 * (one line naming the problem and the fix, never a stack trace), 130 stopped (Ctrl-C), 1 anything else.
 */
export async function main(argv: readonly string[], context: MainContext = {}): Promise<number> {
  const stdout = context.stdout ?? process.stdout;
  const stderr = context.stderr ?? process.stderr;
  const ctx: RunContext = {stderr, createEngine: context.createEngine ?? createEngine, ...(context.signal ? {signal: context.signal} : {}),
    ...(context.onFrame ? {onFrame: context.onFrame} : {})};
  try {
    const parsed = parseCommandLine(argv);
    if (parsed.command === 'help') {
      stdout.write(`${USAGE}\n`);
      return 0;
    }
    const run = {...ctx, quiet: parsed.quiet || parsed.json && !stderr.isTTY};
    const summary = parsed.command === 'video' ? await interpolateVideo(parsed.job, run)
      : parsed.command === 'frames' ? await interpolateFrames(parsed.job, run) : await interpolateFolder(parsed.job, run);
    if (parsed.json) stdout.write(`${JSON.stringify({command: parsed.command, ...summary}, null, 1)}\n`);
    else stderr.write('outputFrames' in summary ? describeVideo(summary) : describeImages(summary));
    return 0;
  } catch (error) {
    if (error instanceof InterpError) {
      stderr.write(`daek-interp: ${error.code}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof StoppedError) {
      stderr.write(`daek-interp: ${error.message}\n`);
      return 130;
    }
    stderr.write(`daek-interp: error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.DAEK_INTERP_DEBUG && error instanceof Error) stderr.write(`${error.stack}\n`);
    return 1;
  }
}

// Run when executed directly (bin/daek-interp.mjs, tsx src/cli.ts, node dist/cli.js), not when imported.
const entry = process.argv[1] ?? '';
if (/(^|[\\/])cli\.(ts|js)$/.test(entry)) {
  const controller = new AbortController();
  let first = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // First Ctrl-C: finish the frame in flight and stop cleanly; a second one exits at once. A terminal's Ctrl-C
      // reaches both the launcher and this process, and the launcher passes it on: one press arrives twice.
      if (first > 0) {
        if (Date.now() - first > 1000) process.exit(130);
        return;
      }
      first = Date.now();
      process.stderr.write('\ndaek-interp: stopping after the current frame (Ctrl-C again to quit at once)\n');
      controller.abort();
    });
  }
  main(process.argv.slice(2), {signal: controller.signal}).then((code) => {
    process.exitCode = code;
  });
}
