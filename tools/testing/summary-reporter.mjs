// Jest reporter: writes this package's pass/fail counts to <rootDir>/test-results.json, so the
// workspace test command can print one total over all packages (tools/scripts/test-all.mjs).
import {writeFileSync, renameSync} from 'node:fs';
import path from 'node:path';

export default class SummaryReporter {
  constructor(globalConfig) { this.rootDir = globalConfig.rootDir; }
  onRunComplete(_contexts, results) {
    const out = path.join(this.rootDir, 'test-results.json');
    const summary = {
      passed: results.numPassedTests, failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests, suites: results.numTotalTestSuites,
    };
    writeFileSync(`${out}.tmp`, JSON.stringify(summary, null, 1));
    renameSync(`${out}.tmp`, out);
  }
}
