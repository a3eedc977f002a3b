import path from 'node:path';
import {jestConfig} from '../../jest.preset.mjs';
export default jestConfig(import.meta.dirname, {testEnvironment: path.join(import.meta.dirname, '../../tools/testing/ort-environment.mjs'),
  setupFiles: ['<rootDir>/test/node-entry.setup.ts']});
