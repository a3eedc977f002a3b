import {describe, expect, it} from '@jest/globals';
import {formatDuration, Progress} from './progress.js';

describe('progress bar', () => {
  it('shows done/total, rate and ETA from the fresh items only', () => {
    let now = 0;
    const lines: string[] = [];
    const stream = {write: (t: string) => lines.push(t), isTTY: false};
    const bar = new Progress('Vimeo-90K | daek', 10, 2, {stream, now: () => now});
    expect(lines[0]).toBe('Vimeo-90K | daek [#####-------------------] 2/10 (2 resumed) ETA ?\n');
    now = 4000;
    bar.tick();
    bar.tick();
    expect(bar.line()).toBe('Vimeo-90K | daek [##########--------------] 4/10 (2 resumed) 2.0 s/triplet ETA 12s');
    for (let i = 0; i < 6; i++) bar.tick();
    expect(lines.at(-1)).toBe('Vimeo-90K | daek [########################] 10/10 (2 resumed) 500 ms/triplet done in 4s\n');
    // non-terminal output: a line per 10% step, not per item
    expect(lines.length).toBeLessThanOrEqual(10);
  });

  it('redraws one line on a terminal and draws nothing when quiet', () => {
    const tty: string[] = [];
    const bar = new Progress('x', 2, 0, {stream: {write: (t: string) => tty.push(t), isTTY: true, columns: 60}, now: () => 0});
    bar.tick();
    bar.tick();
    expect(tty.every((t) => t.startsWith('\r'))).toBe(true);
    expect(tty.at(-1)!.endsWith('\n')).toBe(true);
    const quiet: string[] = [];
    new Progress('x', 2, 0, {stream: {write: (t: string) => quiet.push(t)}, quiet: true}).tick();
    expect(quiet).toEqual([]);
  });

  it('formats durations', () => {
    expect([5, 65, 3725, Number.NaN].map(formatDuration)).toEqual(['5s', '1m05s', '1h02m', '?']);
  });
});
