#!/usr/bin/env node
// daek-export: runs the built CLI (dist/daek_export.js) when present, else the TypeScript source through tsx with the
// "@daek/source" condition (a repository checkout needs no build step).
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const source = fileURLToPath(new URL('../src/daek_export.ts', import.meta.url));
const built = fileURLToPath(new URL('../dist/daek_export.js', import.meta.url));
const args = process.argv.slice(2);
if (existsSync(built) && !existsSync(source)) {
  await import(built);
} else {
  let tsx;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    if (!existsSync(built)) {
      process.stderr.write('daek-export: neither dist/daek_export.js (run npm run build) nor tsx is available\n');
      process.exit(1);
    }
  }
  if (tsx) {
    const child = spawn(process.execPath, ['--conditions=@daek/source', '--import', tsx, source, ...args], {stdio: 'inherit'});
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.exitCode === null && child.kill(signal));
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  } else {
    await import(built);
  }
}
