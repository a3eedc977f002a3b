#!/usr/bin/env node
// daek-bench launcher: runs the TypeScript sources through tsx (installed at the workspace root), so a fresh
// clone needs no build step. Workspace packages resolve to their src/ through the "@daek/source" export
// condition, which must be given to node at start-up, hence the child process. A built dist/cli.js is used
// only when the sources are absent.
import {spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const source = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const built = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const args = process.argv.slice(2);

let nodeArgs;
if (existsSync(source)) {
  let tsx;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    process.stderr.write('daek-bench: cannot find tsx; run npm install at the repository root (tsx is a root devDependency)\n');
    process.exit(1);
  }
  nodeArgs = ['--conditions=@daek/source', '--import', tsx, source, ...args];
} else if (existsSync(built)) {
  nodeArgs = [built, ...args];
} else {
  process.stderr.write(`daek-bench: neither ${source} nor ${built} exists\n`);
  process.exit(1);
}
const child = spawnSync(process.execPath, nodeArgs, {stdio: 'inherit'});
if (child.error) {
  process.stderr.write(`daek-bench: ${child.error.message}\n`);
  process.exit(1);
}
process.exit(child.status ?? (child.signal ? 128 : 1));
