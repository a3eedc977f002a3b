import {expect, it} from '@jest/globals';
import os from 'node:os';
import {parseCommandLine, type RunRequest} from './args.js';

const options = (argv: string[]) => (parseCommandLine(argv) as RunRequest).options;

it('--threads: defaults to the logical cores, takes a positive integer, and rejects anything else', () => {
  expect(options(['runtime']).threads).toBe(os.availableParallelism());
  expect(options(['runtime', '--threads', '1']).threads).toBe(1);
  expect(() => parseCommandLine(['runtime', '--threads', '0'])).toThrow(/--threads: expected an integer >= 1, got '0'/);
  expect(() => parseCommandLine(['runtime', '--threads', 'two'])).toThrow(/--threads: expected an integer >= 1/);
});
