// The progress line and the charts: what a user reads while a run goes.
import {describe, expect, it} from '@jest/globals';
import {lineChartSvg, ticks, trailingMean} from './plot.js';
import {formatDuration, formatLoss, StepProgress} from './progress.js';

describe('progress', () => {
  it('shows step, loss terms, learning rate, samples/s and ETA', () => {
    let now = 0;
    const lines: string[] = [];
    const progress = new StepProgress(100, 4, 10, {stream: {write: (t: string) => lines.push(t)}, now: () => now});
    now = 20_000; // 10 steps of 4 samples in 20 s
    progress.update(20, {loss: 0.5, rec: 0.2, recTeacher: 0.25, distill: 5}, 1e-4);
    expect(lines.join('')).toBe('step 20/100 [####----------------] loss 0.5000 (rec 0.2000 tea 0.2500 dis 5.000) lr 1.00e-4 ' +
      '2.00 samples/s ETA 2m40s\n');
    expect(formatLoss({loss: 0.1, rec: 0.1})).toBe('loss 0.1000 (rec 0.1000)');
    expect([formatDuration(42), formatDuration(185), formatDuration(3720), formatDuration(2 * 86400 + 7200)]).toEqual(['42s', '3m05s', '1h02m', '2d02h']);
  });
});

describe('charts', () => {
  it('draws lines with round ticks and a trend', () => {
    expect(ticks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(trailingMean([[1, 1], [2, 3], [3, 5]], 2)).toEqual([[1, 1], [2, 2], [3, 4]]);
    const svg = lineChartSvg({title: 'a <b>', xLabel: 'step', yLabel: 'loss', series: [{name: 'x', points: [[0, 1], [10, 0.5]], color: 'red'}]});
    expect(svg).toContain('a &lt;b&gt;');
    expect(svg).toMatch(/<path d="M70\.0,\d+\.\dL780\.0,\d+\.\d"/);
    expect(lineChartSvg({title: 't', xLabel: 'x', yLabel: 'y', series: []})).toContain('no data yet');
  });
});
