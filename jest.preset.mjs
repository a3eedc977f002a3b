// Shared jest configuration: native ESM (node --experimental-vm-modules), TypeScript through swc,
// workspace packages resolved to their src/ through the "@daek/source" export condition.
import {fileURLToPath} from 'node:url';
import path from 'node:path';

const root = path.dirname(fileURLToPath(import.meta.url));

/** @param {string} projectDir absolute path of the package @param {object} [overrides] */
export function jestConfig(projectDir, overrides = {}) {
  return {
    rootDir: projectDir,
    displayName: path.basename(projectDir),
    testEnvironment: 'node',
    testEnvironmentOptions: {customExportConditions: ['@daek/source', 'node', 'node-addons']},
    extensionsToTreatAsEsm: ['.ts'],
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.ts$': ['@swc/jest', {jsc: {parser: {syntax: 'typescript'}, target: 'es2022'}, module: {type: 'es6'}, sourceMaps: 'inline'}],
    },
    moduleNameMapper: {'^(\\.{1,2}/.*)\\.js$': '$1'},
    globalSetup: path.join(root, 'tools/testing/global-setup.mjs'),
    reporters: ['default', [path.join(root, 'tools/testing/summary-reporter.mjs'), {}]],
    testTimeout: 120000,
    // tools/scripts/test-all.mjs runs projects side by side and gives each its share of the cores.
    ...(process.env.DAEK_JEST_WORKERS ? {maxWorkers: Number(process.env.DAEK_JEST_WORKERS)} : {}),
    ...overrides,
  };
}
