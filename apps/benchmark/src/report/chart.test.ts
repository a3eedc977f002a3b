import {describe, expect, it} from '@jest/globals';
import sharp from 'sharp';
import {chartPng, chartSvg} from './chart.js';
import {markdownTable} from './tables.js';

describe('chart and tables', () => {
  const spec = {
    title: 'PSNR <test>', yLabel: 'dB', subtitle: 'random init',
    groups: [
      {label: 'Vimeo-90K', bars: [{series: 'daek', value: 12.5, kind: 'ours' as const}, {series: 'daek', value: 35.66, kind: 'paper' as const}]},
      {label: 'UCF101', bars: [{series: 'frame average', value: 33.46, kind: 'ours' as const}, {series: 'rife', kind: 'ours' as const}]},
    ],
  };

  it('draws bars, paper bars outlined, labels escaped, missing values as n/a', () => {
    const svg = chartSvg(spec);
    expect(svg).toContain('PSNR &lt;test&gt;');
    expect(svg).toContain('stroke-dasharray="4 2"');
    expect(svg).toContain('>35.66<');
    expect(svg).toContain('>n/a<');
  });

  it('renders a PNG with sharp', async () => {
    const png = await chartPng(spec);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThanOrEqual(680);
  });

  it('writes markdown tables with escaped pipes', () => {
    expect(markdownTable(['a', 'b'], [['x|y', '1']])).toBe('| a | b |\n| --- | ---: |\n| x\\|y | 1 |');
  });
});
