#!/usr/bin/env node
// The workspace test command: every project's jest suite through nx, then one total line.
import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync, readdirSync, rmSync} from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const projectDirs = ['tools', 'packages', 'apps'].flatMap((group) => {
  const dir = path.join(root, group);
  return existsSync(dir) ? readdirSync(dir).map((name) => path.join(dir, name)) : [];
});
for (const dir of projectDirs) rmSync(path.join(dir, 'test-results.json'), {force: true});

const args = ['nx', 'run-many', '-t', 'test', '--parallel=1', '--outputStyle=static', ...process.argv.slice(2)];
const run = spawnSync('npx', args, {cwd: root, stdio: 'inherit'});

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
const code = run.status ?? 1;
if (code !== 0 && failed === 0) failed = 1; // a crashed project counts as a failure
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(code);
