#!/usr/bin/env node
// The workspace test command: every project's tests through nx, then one total line.
// Projects run side by side (one per core, up to 4), each jest with its share of the cores, so a 2-core CI
// machine keeps both cores busy. The webgpu decision (tools/testing/global-setup.mjs) is made once, here, and
// inherited by every project. DAEK_TEST_PARALLEL=N overrides the number of projects run at once.
import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import globalSetup from '../testing/global-setup.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const projectDirs = ['tools', 'packages', 'apps'].flatMap((group) => {
  const dir = path.join(root, group);
  return existsSync(dir) ? readdirSync(dir).map((name) => path.join(dir, name)) : [];
});
for (const dir of projectDirs) rmSync(path.join(dir, 'test-results.json'), {force: true});

const cores = os.availableParallelism();
const parallel = Number(process.env.DAEK_TEST_PARALLEL) || Math.max(1, Math.min(4, cores));
process.env.DAEK_JEST_WORKERS ??= String(Math.max(1, Math.floor(cores / parallel)));

let code = 0;
try {
  await globalSetup();
} catch (error) {
  console.error(`\n[daek] ${error.message}`);
  code = 1;
}
if (code === 0) {
  console.log(`[daek] ${parallel} project(s) at a time, ${process.env.DAEK_JEST_WORKERS} jest worker(s) each (${cores} cores)`);
  const args = ['nx', 'run-many', '-t', 'test', `--parallel=${parallel}`, '--outputStyle=static', ...process.argv.slice(2)];
  code = spawnSync('npx', args, {cwd: root, stdio: 'inherit'}).status ?? 1;
}

let passed = 0, failed = 0, skipped = 0;
const rows = [];
for (const dir of projectDirs) {
  const file = path.join(dir, 'test-results.json');
  if (!existsSync(file)) continue;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.passed; failed += r.failed; skipped += r.skipped;
  rows.push(`  ${path.relative(root, dir).padEnd(24)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
}
console.log('\nDAEK.js test summary');
console.log(rows.join('\n'));
if (code !== 0 && failed === 0) failed = 1; // a crashed project counts as a failure
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(code);
