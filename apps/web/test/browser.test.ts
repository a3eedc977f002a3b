// The playground in real Chromium: it loads cleanly, interpolates the example pair on wasm with the same result as
// Node, the t slider, drag and drop and bad input work. Screenshots and timings go to test-output/ for CI.
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {spawnSync} from 'node:child_process';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import type {Page} from 'playwright-core';
import {useBackend} from '@daek/flow-ops';
import {createInterpolator} from '@daek/models';
import {decodeImage} from '@daek/datasets';
import {
  APP_DIR, browserSkipReason, canvasPixels, collectErrors, comparePixels, OUTPUT_DIR, runHook, startHarness,
  type Harness, type HookResult,
} from './harness.js';

const skip = browserSkipReason();
const describeBrowser = skip ? describe.skip : describe;
if (skip) console.log(`browser tests skipped: ${skip}`);

const EXAMPLES = path.join(APP_DIR, '../../examples/frames');
const timings: Record<string, number | string> = {};
const WEBGPU_ASKED = process.env.DAEK_BROWSER_WEBGPU === '1';
const ONNX_ASKED = process.env.DAEK_BROWSER_ONNX === '1';
const HAS_FFMPEG = spawnSync('ffmpeg', ['-version']).status === 0;

/** Node's frame for the example pair: the same shipped weights on tfjs wasm (or onnxruntime-node), through the Node entries. */
async function nodeReference(t: number, engine: 'tfjs' | 'onnxruntime' = 'tfjs', refine = true): Promise<{width: number; height: number; rgba: Uint8Array}> {
  const [a, b] = await Promise.all(['frame0.png', 'frame1.png'].map((f) => decodeImage(readFileSync(path.join(EXAMPLES, f)), f)));
  await useBackend('wasm');
  const interp = await createInterpolator({model: 'daek-s', engine, refine}); // refine: the page's default (the checkbox is checked)
  try {
    const out = await interp.interpolate({data: a!.data, width: a!.width, height: a!.height, channels: 3},
      {data: b!.data, width: b!.width, height: b!.height, channels: 3}, {t});
    const rgba = new Uint8Array(a!.width * a!.height * 4);
    for (let p = 0; p < a!.width * a!.height; p++) {
      rgba.set(out.data.subarray(3 * p, 3 * p + 3) as Uint8Array, 4 * p);
      rgba[4 * p + 3] = 255;
    }
    return {width: a!.width, height: a!.height, rgba};
  } finally {
    interp.dispose();
  }
}

/** Move a range input as a user would: set the value, then fire input and change. */
async function setSlider(page: Page, id: string, value: string): Promise<void> {
  await page.evaluate(([sliderId, v]) => {
    const slider = document.getElementById(sliderId!) as HTMLInputElement;
    slider.value = v!;
    slider.dispatchEvent(new Event('input', {bubbles: true}));
    slider.dispatchEvent(new Event('change', {bubbles: true}));
  }, [id, value]);
}

async function waitForDone(page: Page, previous: string): Promise<void> {
  await page.waitForFunction((prev) => {
    const status = document.getElementById('status')!.textContent ?? '';
    const error = document.getElementById('error')!;
    return (!error.hidden) || (status.startsWith('Done') && document.getElementById('timing')!.textContent !== prev);
  }, previous, {timeout: 120000});
  const error = await page.locator('#error').textContent();
  if (await page.locator('#error').isVisible()) throw new Error(`the page shows an error: ${error}`);
}

describeBrowser('playground in Chromium', () => {
  let harness: Harness;
  let page: Page;
  let errors: string[];
  let wasmResult: HookResult;

  beforeAll(async () => {
    harness = await startHarness();
    timings.buildMs = Math.round(harness.buildMs);
    page = await harness.browser.newPage({viewport: {width: 1200, height: 900}});
    errors = collectErrors(page);
    const start = performance.now();
    await page.goto(harness.url);
    await page.evaluate(() => (window as unknown as {daekPlayground: {ready: Promise<void>}}).daekPlayground.ready);
    timings.pageReadyMs = Math.round(performance.now() - start);
  });

  afterAll(async () => {
    writeFileSync(path.join(OUTPUT_DIR, 'browser-timings.json'), JSON.stringify(timings, null, 1));
    console.log(`browser timings: ${JSON.stringify(timings)}`);
    await harness?.close();
  });

  it('loads with no console errors, cross-origin isolated (COOP/COEP from the server)', async () => {
    expect(await page.title()).toMatch(/DAEK\.js playground/);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await expect(page.locator('#status').textContent()).resolves.toMatch(/^Ready/);
    expect(errors).toEqual([]);
  });

  it('interpolates the example pair on wasm, equal to Node within 1/255 on 99.9% of pixels and 2/255 everywhere', async () => {
    const start = performance.now();
    wasmResult = await runHook(page, {frame0Url: 'examples/frame0.png', frame1Url: 'examples/frame1.png', engine: 'tfjs', backend: 'wasm'});
    timings.firstRunMs = Math.round(performance.now() - start); // weights download + wasm start + first frame
    timings.firstFrameMs = Math.round(wasmResult.ms);
    expect(wasmResult).toMatchObject({engine: 'tfjs', backend: 'wasm'});
    timings.engineLine = (await page.locator('#engine-line').textContent()) ?? '';
    // The weights are now in the Cache API: the next visit loads them without the network.
    const cached = await page.evaluate(async () => (await (await caches.open('daek-weights-v1')).keys()).map((r) => r.url));
    expect(cached.some((u) => /\/assets\/model[^/]*\.bin$/.test(u))).toBe(true);
    const reference = await nodeReference(0.5);
    expect([wasmResult.width, wasmResult.height]).toEqual([reference.width, reference.height]);
    expect(wasmResult.rgba.length).toBe(reference.width * reference.height * 4);
    const within1 = comparePixels(wasmResult.rgba, reference.rgba, 1);
    timings.parityWithin1 = within1.within;
    timings.parityMax = within1.max;
    expect(within1.within).toBeGreaterThanOrEqual(0.999);
    expect(within1.max).toBeLessThanOrEqual(2);
    // The page shows the same frame it returned.
    expect(Buffer.from(await canvasPixels(page, 'result')).equals(Buffer.from(wasmResult.rgba))).toBe(true);
    await page.waitForFunction(() => (document.getElementById('flow') as HTMLCanvasElement).width > 1, null, {timeout: 60000});
    await page.screenshot({path: path.join(OUTPUT_DIR, 'example-wasm.png'), fullPage: true});
    expect(errors).toEqual([]);
  });

  it('the t slider changes the output', async () => {
    const before = await canvasPixels(page, 'result');
    const timing = (await page.locator('#timing').textContent()) ?? '';
    await setSlider(page, 't', '0.25');
    await waitForDone(page, timing);
    expect(await page.locator('#t-value').textContent()).toBe('0.25');
    const after = await canvasPixels(page, 'result');
    expect(comparePixels(before, after, 2).within).toBeLessThan(0.99);
    await page.screenshot({path: path.join(OUTPUT_DIR, 't-0.25.png'), fullPage: true});
    expect(errors).toEqual([]);
  });

  it('two dropped image files are interpolated', async () => {
    // t back to 0.5 without a run of its own: the drop's run reads the slider.
    await page.evaluate(() => { (document.getElementById('t') as HTMLInputElement).value = '0.5'; });
    const timing = (await page.locator('#timing').textContent()) ?? '';
    await page.evaluate(async () => {
      for (const index of [0, 1]) {
        const blob = await (await fetch(`examples/frame${index}.png`)).blob();
        const transfer = new DataTransfer();
        transfer.items.add(new File([blob], `dropped${index}.png`, {type: 'image/png'}));
        document.getElementById(`drop${index}`)!.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
      }
    });
    await waitForDone(page, timing);
    timings.warmFrameMs = Number(/^(\d+) ms/.exec((await page.locator('#timing').textContent()) ?? '')?.[1]);
    // Same frames, same engine: the same bytes as the hook's run (deterministic).
    expect(Buffer.from(await canvasPixels(page, 'result')).equals(Buffer.from(wasmResult.rgba))).toBe(true);
    expect(errors).toEqual([]);
  });

  it('a file that is not an image shows a readable error in the page', async () => {
    await page.evaluate(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['hello'], 'notes.txt', {type: 'text/plain'}));
      document.getElementById('drop0')!.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
    });
    await page.locator('#error').waitFor({state: 'visible'});
    expect(await page.locator('#error').textContent()).toMatch(/Frame 0: 'notes\.txt' is not an image \(its type is text\/plain\)\. Pick a PNG, JPEG or WebP file\./);
    await page.screenshot({path: path.join(OUTPUT_DIR, 'error-not-an-image.png')});
    expect(errors).toEqual([]);
  });

  it('frames of different sizes show a readable error (and the hook rejects with it)', async () => {
    const message = await page.evaluate(async () => {
      const canvas = new OffscreenCanvas(64, 48);
      canvas.getContext('2d')!.fillRect(0, 0, 64, 48);
      const small = URL.createObjectURL(await canvas.convertToBlob({type: 'image/png'}));
      return (window as unknown as {daekPlayground: {run(o: unknown): Promise<unknown>}}).daekPlayground
        .run({frame0Url: 'examples/frame0.png', frame1Url: small, backend: 'wasm'}).then(() => 'resolved', (e: Error) => e.message);
    });
    expect(message).toMatch(/The frames differ in size: frame 0 is \d+×\d+, frame 1 is 64×48\. Both frames must be the same size/);
    expect(await page.locator('#error').textContent()).toBe(message);
    await page.screenshot({path: path.join(OUTPUT_DIR, 'error-sizes.png')});
    expect(errors).toEqual([]);
  });

  (HAS_FFMPEG ? it : it.skip)(`video mode doubles a short clip's frame rate in the page${HAS_FFMPEG ? '' : ' [skipped: no ffmpeg to make the clip]'}`, async () => {
    // Four frames at 10 fps (224x128, VP8): the example frames and the real middle one, made here with ffmpeg.
    const clip = path.join(OUTPUT_DIR, 'clip.webm');
    const frames = ['frame0.png', 'truth.png', 'frame1.png'].flatMap((f) => ['-loop', '1', '-t', '0.1', '-i', path.join(EXAMPLES, f)]);
    const made = spawnSync('ffmpeg', ['-y', '-loglevel', 'error', ...frames, '-filter_complex',
      '[0][1][2]concat=n=3:v=1,fps=10,scale=224:128,format=yuv420p', '-c:v', 'libvpx', '-b:v', '1M', clip]);
    expect(made.status).toBe(0);
    await page.locator('#video-file').setInputFiles(clip);
    await page.locator('#video-width').selectOption('0');
    await page.locator('#video-run').click();
    await page.waitForFunction(() => /^Done/.test(document.getElementById('video-status')!.textContent ?? '') ||
      !document.getElementById('error')!.hidden, null, {timeout: 120000});
    expect(await page.locator('#error').isVisible()).toBe(false);
    const original = (await page.locator('#video-original-caption').textContent()) ?? '';
    const doubled = (await page.locator('#video-doubled-caption').textContent()) ?? '';
    const n = Number(/(\d+) frames at (\d+) fps/.exec(original)?.[1]);
    expect(original).toMatch(/^original: \d+ frames at 10 fps, 224×128$/);
    expect(n).toBeGreaterThanOrEqual(3);
    expect(doubled).toBe(`×2: ${2 * n - 1} frames at 20 fps`);
    // Both sequences play (drawn on animation frames).
    await page.waitForFunction(() => ['video-original', 'video-doubled'].every((id) => (document.getElementById(id) as HTMLCanvasElement).width === 224),
      null, {timeout: 10000});
    await page.screenshot({path: path.join(OUTPUT_DIR, 'video.png'), fullPage: true});
    expect(errors).toEqual([]);
  });

  // ONNX Runtime Web: a 29.5 MB .wasm plus the .onnx to load, and (on this 2-core CI machine, busy) tens of seconds a
  // frame: beyond this suite's budget, so it runs when asked (DAEK_BROWSER_ONNX=1), and then must pass.
  (ONNX_ASKED ? it : it.skip)(`interpolates on ONNX Runtime Web (wasm), equal to Node's onnxruntime-node${ONNX_ASKED ? '' : ' [skipped: set DAEK_BROWSER_ONNX=1 (minutes on 2 cores)]'}`, async () => {
    const start = performance.now();
    const pair = {frame0Url: 'examples/frame0.png', frame1Url: 'examples/frame1.png', engine: 'onnx', backend: 'wasm'} as const;
    // The network alone first: the two runtimes' frames must agree to 1/255 on 99.9% of pixels and 2/255 everywhere.
    const result = await runHook(page, {...pair, refine: false});
    timings.onnxFirstRunMs = Math.round(performance.now() - start);
    timings.onnxFrameMs = Math.round(result.ms);
    timings.onnxEngineLine = (await page.locator('#engine-line').textContent()) ?? '';
    expect(result).toMatchObject({engine: 'onnx', backend: 'wasm'});
    const reference = await nodeReference(0.5, 'onnxruntime', false);
    const close = comparePixels(result.rgba, reference.rgba, 1);
    timings.onnxParityWithin1 = close.within;
    timings.onnxParityMax = close.max;
    expect(close.within).toBeGreaterThanOrEqual(0.999);
    expect(close.max).toBeLessThanOrEqual(2);
    // With the flow search (the page's default). The runtimes' network flows differ by ~1e-5, which can flip the
    // search's argmin where two offsets' window costs nearly tie; such a pixel takes the other offset and may differ
    // by tens of levels (34/255 seen), so only the share is bounded here: the same 99.9% within 1/255.
    const refined = await runHook(page, {...pair, refine: true});
    const refinedReference = await nodeReference(0.5, 'onnxruntime', true);
    const refinedClose = comparePixels(refined.rgba, refinedReference.rgba, 1);
    timings.onnxRefineFrameMs = Math.round(refined.ms);
    timings.onnxRefineParityWithin1 = refinedClose.within;
    timings.onnxRefineParityMax = refinedClose.max;
    expect(refinedClose.within).toBeGreaterThanOrEqual(0.999);
    // The search ran: the refined frame is not the network's.
    expect(comparePixels(refined.rgba, result.rgba, 1).within).toBeLessThan(1);
    await page.screenshot({path: path.join(OUTPUT_DIR, 'example-onnx-wasm.png'), fullPage: true});
    expect(errors).toEqual([]);
  }, 600000);

  // SwiftShader's software WebGPU (what CI has) takes ~270 s for one 256x192 daek-s frame: far beyond this suite's
  // budget, so this runs only when asked (DAEK_BROWSER_WEBGPU=1, on a machine with a GPU), and then must pass.
  (WEBGPU_ASKED ? it : it.skip)(`interpolates on WebGPU${WEBGPU_ASKED ? '' : ' [skipped: set DAEK_BROWSER_WEBGPU=1 (a hardware adapter; SwiftShader takes ~270 s a frame)]'}`, async () => {
    const result = await runHook(page, {frame0Url: 'examples/frame0.png', frame1Url: 'examples/frame1.png', backend: 'webgpu'});
    timings.webgpuFrameMs = Math.round(result.ms);
    timings.webgpuEngineLine = (await page.locator('#engine-line').textContent()) ?? '';
    expect(result.backend).toBe('webgpu');
    // Compared with the wasm frame of the same page (Node's webgpu needs the same software driver).
    const close = comparePixels(result.rgba, wasmResult.rgba, 1);
    timings.webgpuVsWasmWithin1 = close.within;
    timings.webgpuVsWasmMax = close.max;
    expect(close.within).toBeGreaterThanOrEqual(0.999);
    expect(close.max).toBeLessThanOrEqual(2);
  });
});
