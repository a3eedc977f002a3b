// Build the site, serve it the way a static host with COOP/COEP would (vite preview), and drive the Debian
// Chromium through playwright-core (Playwright's own browser download is not available here).
import {spawn} from 'node:child_process';
import {existsSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import {chromium, type Browser, type Page} from 'playwright-core';

/** apps/web. */
export const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Screenshots and timings, kept by CI (gitignored). */
export const OUTPUT_DIR = path.join(APP_DIR, 'test-output');

/** The Chromium binary: DAEK_CHROMIUM, else Debian's /usr/bin/chromium. */
export function chromiumPath(): string | null {
  const candidate = process.env.DAEK_CHROMIUM ?? '/usr/bin/chromium';
  return existsSync(candidate) ? candidate : null;
}

/** Why the browser tests cannot run here, or null. */
export function browserSkipReason(): string | null {
  if (process.env.DAEK_BROWSER_TESTS === 'off') return 'DAEK_BROWSER_TESTS=off';
  return chromiumPath() ? null : 'no Chromium (apt-get install chromium, or set DAEK_CHROMIUM)';
}

/** Chromium flags: headless in CI, no network side traffic, software WebGPU allowed. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu'];

/** A built site served on a free port, and a browser. */
export interface Harness {
  /** The site's URL (ends with /). */
  url: string;
  /** The browser (a fresh temporary profile, which playwright creates per launch). */
  browser: Browser;
  /** Milliseconds `vite build` took. */
  buildMs: number;
  /** Stop the browser and the server. */
  close(): Promise<void>;
}

/** Build apps/web into dist and serve it (scripts/serve.mjs, a child process: Vite stays out of jest's module system). */
async function serve(): Promise<{url: string; buildMs: number; stop(): void}> {
  const child = spawn(process.execPath, [path.join(APP_DIR, 'scripts/serve.mjs')], {cwd: APP_DIR, stdio: ['ignore', 'pipe', 'pipe']});
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const lines = createInterface({input: child.stdout});
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`scripts/serve.mjs exited with ${code} before serving:\n${stderr}`)));
  });
  const {url, buildMs} = JSON.parse(first) as {url: string; buildMs: number};
  return {url, buildMs, stop: () => { child.kill('SIGTERM'); }};
}

/** Build apps/web into dist, serve it, launch Chromium. */
export async function startHarness(): Promise<Harness> {
  const server = await serve();
  let browser: Browser;
  try {
    browser = await chromium.launch({executablePath: chromiumPath()!, headless: true, args: CHROMIUM_ARGS});
  } catch (error) {
    server.stop();
    throw error;
  }
  mkdirSync(OUTPUT_DIR, {recursive: true});
  return {
    url: server.url, browser, buildMs: server.buildMs,
    async close() {
      await browser.close().catch(() => undefined);
      server.stop();
    },
  };
}

/** Console errors and uncaught page errors, collected from a page. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => { if (message.type() === 'error') errors.push(`console.error: ${message.text()}`); });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}

/** What the automation hook returns, with the RGBA bytes carried as base64 (evaluate results are JSON). */
export interface HookResult {
  width: number;
  height: number;
  rgba: Uint8Array;
  ms: number;
  engine: string;
  backend: string;
}

/** Call `window.daekPlayground.run(options)` in the page. */
export async function runHook(page: Page, options: Record<string, unknown>): Promise<HookResult> {
  const result = await page.evaluate(async (opts) => {
    const r = await (window as unknown as {daekPlayground: {run(o: unknown): Promise<{width: number; height: number;
      rgba: Uint8ClampedArray; ms: number; engine: string; backend: string}>}}).daekPlayground.run(opts);
    let binary = '';
    for (let i = 0; i < r.rgba.length; i += 0x8000) binary += String.fromCharCode(...r.rgba.subarray(i, i + 0x8000));
    return {...r, rgba: btoa(binary)};
  }, options);
  return {...result, rgba: new Uint8Array(Buffer.from(result.rgba, 'base64'))};
}

/** RGBA bytes of a canvas in the page. */
export async function canvasPixels(page: Page, id: string): Promise<Uint8Array> {
  const b64 = await page.evaluate((canvasId) => {
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let binary = '';
    for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return btoa(binary);
  }, id);
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/** Fraction of pixels whose R, G and B all lie within `tolerance` of the other image's, and the largest difference. */
export function comparePixels(a: Uint8Array, b: Uint8Array, tolerance: number): {within: number; max: number} {
  if (a.length !== b.length) throw new Error(`comparePixels: ${a.length} vs ${b.length} bytes`);
  let within = 0, max = 0;
  const pixels = a.length / 4;
  for (let p = 0; p < pixels; p++) {
    let worst = 0;
    for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(a[4 * p + c]! - b[4 * p + c]!));
    if (worst <= tolerance) within++;
    max = Math.max(max, worst);
  }
  return {within: within / pixels, max};
}
