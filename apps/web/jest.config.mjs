import path from 'node:path';
import {jestConfig} from '../../jest.preset.mjs';
// The browser tests build the site and drive Chromium: one file at a time, with room for a cold build. The
// environment is @daek/onnx's (main-realm typed arrays), so that the Node reference can run onnxruntime-node too.
export default jestConfig(import.meta.dirname, {
  testMatch: ['<rootDir>/test/**/*.test.ts'], testTimeout: 240000, maxWorkers: 1,
  testEnvironment: path.join(import.meta.dirname, '../../tools/testing/ort-environment.mjs'),
});
