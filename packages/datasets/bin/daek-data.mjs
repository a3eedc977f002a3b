#!/usr/bin/env node
// daek-data: runs src/export-cli.ts through tsx (dist/export-cli.js once built).
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const source = fileURLToPath(new URL('../src/export-cli.ts', import.meta.url));
const built = fileURLToPath(new URL('../dist/export-cli.js', import.meta.url));
let args;
if (existsSync(source)) {
  args = ['--conditions=@daek/source', '--import', import.meta.resolve('tsx'), source];
} else {
  args = [built];
}
const run = spawnSync(process.execPath, [...args, ...process.argv.slice(2)], {stdio: 'inherit'});
process.exit(run.status ?? 1);
