import {expect, it} from '@jest/globals';
import path from 'node:path';
import {describeWithBackends, expectClose, expectNoLeaks, npyNHWC} from '@daek/testing';
import {coordsGrid} from './coords_grid.js';

describeWithBackends('coordsGrid', () => {
  it('matches AMT coords_grid exactly', async () => {
    const expected = npyNHWC(path.resolve(import.meta.dirname, '../test/fixtures/parity/coords_grid/coords.npy'));
    await expectClose(coordsGrid(2, 5, 7), expected, 0, 'coords');
  });
  it('rejects non-integer sizes and does not leak', async () => {
    expect(() => coordsGrid(1, 2.5, 3)).toThrow(/'height' must be a positive integer; got 2.5/);
    await expectNoLeaks(() => coordsGrid(1, 3, 4));
  });
});
