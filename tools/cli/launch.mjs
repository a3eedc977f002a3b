// The launcher behind every app's bin/*.mjs: runs the app's TypeScript sources through tsx (a root devDependency),
// so a fresh clone needs no build step. Workspace packages resolve to their src/ through the "@daek/source" export
// condition, which must be given to node at start-up, hence the child process. A built dist/cli.js is used only
// when the sources are absent. SIGINT and SIGTERM sent to the launcher are passed on to the app (the trainer
// checkpoints before it exits), and the launcher exits with the app's status.
//
// The app never outlives the launcher by more than a few seconds, even when the launcher is killed with SIGKILL
// (which it cannot pass on): the app is started with `--import parent-watch.mjs`, which watches a pipe (fd 3)
// whose other end only the launcher holds; when it closes, the app gets SIGTERM and, `graceSeconds` later
// (default 3), SIGKILL. See parent-watch.mjs.
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

/**
 * Run `../src/cli.ts` (or `../dist/cli.js`) relative to the calling bin file.
 * @param {string} name the command's name, for messages.
 * @param {string} binUrl the bin file's `import.meta.url`.
 * @param {{graceSeconds?: number}} [options] graceSeconds: how long the app may take to stop after the launcher
 *   died (SIGTERM first, SIGKILL after this; default 3).
 */
export function launch(name, binUrl, options = {}) {
  const watch = ['--import', new URL('./parent-watch.mjs', import.meta.url).href];
  const source = fileURLToPath(new URL('../src/cli.ts', binUrl));
  const built = fileURLToPath(new URL('../dist/cli.js', binUrl));
  const args = process.argv.slice(2);
  let nodeArgs;
  if (existsSync(source)) {
    let tsx;
    try {
      tsx = import.meta.resolve('tsx');
    } catch {
      process.stderr.write(`${name}: cannot find tsx; run npm install at the repository root (tsx is a root devDependency)\n`);
      process.exit(1);
    }
    nodeArgs = ['--conditions=@daek/source', ...watch, '--import', tsx, source, ...args];
  } else if (existsSync(built)) {
    nodeArgs = [...watch, built, ...args];
  } else {
    process.stderr.write(`${name}: neither ${source} nor ${built} exists\n`);
    process.exit(1);
  }
  const grace = Math.round(1000 * (options.graceSeconds ?? 3));
  const child = spawn(process.execPath, nodeArgs, {
    // fd 3: the pipe the app watches (parent-watch.mjs); nothing is ever written to it
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env: {...process.env, DAEK_LAUNCHER_FD: '3', DAEK_LAUNCHER_GRACE_MS: String(grace), DAEK_LAUNCHER_NAME: name},
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  }
  child.on('error', (error) => {
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal === 'SIGTERM' ? 143 : signal === 'SIGINT' ? 130 : 1));
  });
}
