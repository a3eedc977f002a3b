// Loaded with `node --import` into every process that launch.mjs starts: the app must not outlive the launcher.
// The launcher holds the write end of a pipe whose read end is this process's fd DAEK_LAUNCHER_FD; the kernel
// closes it when the launcher dies for any reason, SIGKILL included, and the read end then sees end-of-file.
// A worker thread watches it, so a main thread busy in a long synchronous computation (a training step) does not
// delay the reaction. On end-of-file it sends this process SIGTERM (the trainer finishes its step and writes a
// checkpoint if it can) and, DAEK_LAUNCHER_GRACE_MS later (default 3000), SIGKILL. That is safe for the apps'
// files: checkpoints and reports are written under temporary names and renamed, so a kill loses at most the work
// since the last checkpoint, as any crash would.
import {Worker} from 'node:worker_threads';

const fd = Number(process.env.DAEK_LAUNCHER_FD);
const grace = Number(process.env.DAEK_LAUNCHER_GRACE_MS ?? 3000);
const name = process.env.DAEK_LAUNCHER_NAME ?? 'daek';
// not inherited by processes this one starts
delete process.env.DAEK_LAUNCHER_FD;
delete process.env.DAEK_LAUNCHER_GRACE_MS;
delete process.env.DAEK_LAUNCHER_NAME;

const WATCHER = `
const {workerData} = require('node:worker_threads');
const net = require('node:net');
const fs = require('node:fs');
const socket = new net.Socket({fd: workerData.fd, readable: true, writable: false});
socket.on('data', () => {});
socket.on('error', () => {});
socket.on('close', () => {
  try {
    fs.writeSync(2, '\\n' + workerData.name + ': the launcher (pid ' + workerData.launcher + ') is gone; stopping this process ' +
      '(pid ' + process.pid + ') within ' + (workerData.grace / 1000) + ' s\\n');
  } catch {}
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), workerData.grace);
});
`;

if (Number.isInteger(fd) && fd > 2) {
  const worker = new Worker(WATCHER, {eval: true, workerData: {fd, grace, name, launcher: process.ppid}, stdout: false, stderr: false});
  worker.on('error', (error) => process.stderr.write(`${name}: cannot watch the launcher (${error.message}); continuing without\n`));
  worker.unref();
}
