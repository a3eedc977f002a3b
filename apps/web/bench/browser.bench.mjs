// The playground's numbers for the README: first load (page, weights, wasm start) and ms per frame on tfjs wasm
// with 1 and 2 threads, in headless Chromium, on the example pair. Each thread count gets a fresh browser (an empty
// cache, so the first load downloads the weights). Run: npm run bench -w apps/web  [-- --frames 5]
import {spawn} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {chromium} from 'playwright-core';

const root = path.resolve(import.meta.dirname, '..');
const frames = Number(process.argv[process.argv.indexOf('--frames') + 1]) || 5;
const executablePath = process.env.DAEK_CHROMIUM ?? '/usr/bin/chromium';
const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

const server = spawn(process.execPath, [path.join(root, 'scripts/serve.mjs')], {cwd: root, stdio: ['ignore', 'pipe', 'inherit']});
const {url, buildMs} = JSON.parse(await new Promise((resolve) => createInterface({input: server.stdout}).once('line', resolve)));
const rows = [];
try {
  for (const threads of [1, 2]) {
    const browser = await chromium.launch({executablePath, headless: true, args});
    const page = await browser.newPage();
    const start = performance.now();
    await page.goto(`${url}?threads=${threads}`);
    await page.evaluate(() => window.daekPlayground.ready);
    const readyMs = performance.now() - start;
    const run = () => page.evaluate(() => window.daekPlayground.run({frame0Url: 'examples/frame0.png', frame1Url: 'examples/frame1.png',
      backend: 'wasm'}).then((r) => ({ms: r.ms, width: r.width, height: r.height})));
    const firstStart = performance.now();
    const first = await run();
    const firstRunMs = performance.now() - firstStart;
    const times = [];
    for (let i = 0; i < frames; i++) times.push((await run()).ms);
    times.sort((a, b) => a - b);
    const engine = await page.locator('#engine-line').textContent();
    rows.push({threads, readyMs, loadMs: firstRunMs - first.ms, firstFrameMs: first.ms, medianMs: times[Math.floor(times.length / 2)],
      minMs: times[0], size: `${first.width}x${first.height}`, engine});
    await browser.close();
  }
} finally {
  server.kill('SIGTERM');
}
const chromiumVersion = await chromium.launch({executablePath, headless: true, args}).then(async (b) => { const v = b.version(); await b.close(); return v; });
const lines = [
  `Chromium ${chromiumVersion} headless, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), load average ${os.loadavg()[0].toFixed(1)}; ` +
    `vite build ${(buildMs / 1000).toFixed(1)} s; example pair ${rows[0].size}; median of ${frames} frames after the first.`,
  '',
  '| wasm threads asked | page ready | weights + wasm start | first frame | ms per frame (median, min) |',
  '| ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.threads} | ${r.readyMs.toFixed(0)} ms | ${r.loadMs.toFixed(0)} ms | ${r.firstFrameMs.toFixed(0)} ms | ` +
    `${r.medianMs.toFixed(0)} ms, ${r.minMs.toFixed(0)} ms |`),
  '',
  ...rows.map((r) => `threads=${r.threads}: ${r.engine}`),
];
console.log(lines.join('\n'));
mkdirSync(path.join(root, 'test-output'), {recursive: true});
writeFileSync(path.join(root, 'test-output/bench.md'), `${lines.join('\n')}\n`);
