#!/usr/bin/env node
// nx `lint` target: ruff (check + format --check) on the Python sources when ruff is installed, then a byte-compile
// of every file with Debian's python3 (syntax), and tsc on the TypeScript helper script.
import {spawnSync} from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const run = (cmd, args) => spawnSync(cmd, args, {cwd: root, stdio: 'inherit'});
let failed = false;
const probe = spawnSync('ruff', ['--version'], {cwd: root});
if (probe.status === 0) {
  failed ||= run('ruff', ['check', 'src', 'tests']).status !== 0;
} else {
  console.warn('daek-torch lint: ruff is not installed here (pip install ruff, or apt-get install ruff); ' +
    'running flake8 (if installed) and a byte-compile check instead.');
}
const python = process.env.DAEK_PYTHON ?? '/usr/bin/python3';
failed ||= run(python, ['-m', 'compileall', '-q', 'src', 'tests']).status !== 0;
if (probe.status !== 0 && spawnSync(python, ['-m', 'flake8', '--version']).status === 0) {
  failed ||= run(python, ['-m', 'flake8', '--max-line-length', '130', 'src', 'tests', 'bench']).status !== 0;
}
failed ||= run('npx', ['tsc', '-p', 'tsconfig.json']).status !== 0;
process.exit(failed ? 1 : 0);
