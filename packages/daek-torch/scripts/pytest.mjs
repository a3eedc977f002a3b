#!/usr/bin/env node
// nx `test` target: runs the Python suite with Debian's python3 (torch 1.13 lives there, not in pyenv) and writes
// test-results.json in the shape tools/testing/summary-reporter.mjs writes, so tools/scripts/test-all.mjs sums it.
// pytest's exit code 5 (no tests collected) is a failure here, never a silent pass.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const python = process.env.DAEK_PYTHON ?? '/usr/bin/python3';
const work = mkdtempSync(path.join(tmpdir(), 'daek-torch-pytest-'));
const junit = path.join(work, 'junit.xml');
const run = spawnSync(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${junit}`, ...process.argv.slice(2)],
  {cwd: root, stdio: 'inherit', env: {...process.env, PYTHONDONTWRITEBYTECODE: '1'}});

const summary = {passed: 0, failed: 0, skipped: 0, suites: 0};
if (existsSync(junit)) {
  const xml = readFileSync(junit, 'utf8');
  for (const m of xml.matchAll(/<testsuite\b([^>]*)>/g)) {
    const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(m[1])?.[1] ?? 0);
    const failed = attr('failures') + attr('errors');
    summary.failed += failed;
    summary.skipped += attr('skipped');
    summary.passed += attr('tests') - failed - attr('skipped');
  }
  const failedNames = [...xml.matchAll(/<testcase\b[^>]*classname="([^"]*)"[^>]*name="([^"]*)"[^>]*>\s*<(failure|error)\b/g)]
    .map((m) => `${m[1]}::${m[2]}`);
  if (failedNames.length > 0) console.error(`daek-torch: failed: ${failedNames.join(', ')}`);
  summary.suites = new Set([...xml.matchAll(/classname="([^"]*)"/g)].map((m) => m[1])).size;
}
rmSync(work, {recursive: true, force: true});
let code = run.status ?? 1;
if (run.error) console.error(`daek-torch: cannot run ${python}: ${run.error.message} (set DAEK_PYTHON).`);
if (code === 5) console.error('daek-torch: pytest collected no tests; that is a failure.');
if (code !== 0 && summary.failed === 0) summary.failed = 1;
if (code === 0 && summary.passed === 0) {
  console.error('daek-torch: no test passed; that is a failure.');
  summary.failed = Math.max(summary.failed, 1);
  code = 1;
}
const out = path.join(root, 'test-results.json');
writeFileSync(`${out}.tmp`, JSON.stringify(summary, null, 1));
renameSync(`${out}.tmp`, out);
process.exit(code);
