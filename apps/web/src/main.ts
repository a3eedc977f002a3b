// The playground page: inputs, choices, output views, the automation hook. Heavy work goes through enqueue().
import type {BackendChoice, DaekPlayground, EngineName, RunOptions, RunResult} from './api.js';
import {draw, toPng} from './canvas.js';
import {capabilities, requestedThreads} from './engines.js';
import {EXAMPLE_PAIR, EXAMPLE_TRUTH} from './examples.js';
import {averageFrames, decodeImage, decodePair, InputError, type Rgba} from './images.js';
import {ensureIsolation} from './isolation.js';
import {enqueue} from './queue.js';
import {session, type ModelSource, type Session} from './session.js';
import {setupVideo} from './video.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const state: {frames: [Rgba | null, Rgba | null]; result: Rgba | null; t: number; session: Session | null; truth: Rgba | null} = {
  frames: [null, null], result: null, t: 0.5, session: null, truth: null,
};

/** PSNR in dB of two RGBA images over their RGB channels. */
function psnr(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  let sum = 0, n = 0;
  for (let i = 0; i < a.length; i++) {
    if ((i & 3) === 3) continue;
    const d = a[i]! - b[i]!;
    sum += d * d;
    n++;
  }
  return sum === 0 ? Infinity : 10 * Math.log10((255 * 255 * n) / sum);
}

function showError(error: unknown): void {
  const box = $('error');
  box.textContent = error instanceof Error ? error.message : String(error);
  box.hidden = false;
  $('progress').hidden = true;
  $('status').textContent = 'Stopped: see the message below.';
}

function clearError(): void {
  $('error').hidden = true;
  $('error').textContent = '';
}

function progress(stage: string, fraction: number): void {
  const bar = $<HTMLProgressElement>('progress');
  bar.hidden = fraction >= 1;
  bar.value = fraction;
  $('status').textContent = `${stage}… ${Math.round(fraction * 100)}%`;
}

/** The model the page's controls choose. */
function chosenModel(): ModelSource {
  const kind = $<HTMLSelectElement>('model').value;
  if (kind === 'url') {
    const url = $<HTMLInputElement>('model-url').value.trim();
    if (!url) throw new InputError('Enter the URL of a model.json (tfjs format), or choose the shipped model.');
    return url;
  }
  if (kind === 'files') {
    const files = [...($<HTMLInputElement>('model-files').files ?? [])];
    if (!files.some((f) => f.name.endsWith('.json'))) {
      throw new InputError('Pick the model.json and its .bin shard files together, or choose the shipped model.');
    }
    return [files.find((f) => f.name.endsWith('.json'))!, ...files.filter((f) => !f.name.endsWith('.json'))];
  }
  return 'daek-s';
}

async function getSession(engine: EngineName, backend: BackendChoice, model: ModelSource, refine: boolean): Promise<Session> {
  const s = await session(engine, backend, model, refine, progress);
  state.session = s;
  $('engine-line').textContent = `${s.choice.engine} · ${s.running} · ${s.choice.why} · weights: ${s.weights}`;
  return s;
}

/** Interpolate the current frames at state.t and show everything; returns the timing. */
async function interpolateShown(s: Session): Promise<number> {
  const [a, b] = state.frames as [Rgba, Rgba];
  $('status').textContent = `Interpolating at t = ${state.t} (${s.choice.engine}, ${s.running})…`;
  const start = performance.now();
  const rgba = await s.interpolate(a, b, state.t);
  const ms = performance.now() - start;
  state.result = {data: rgba, width: a.width, height: a.height};
  draw($('result'), state.result);
  const average = averageFrames(a, b, state.t);
  draw($('average'), {data: average, width: a.width, height: a.height});
  $('output').hidden = false;
  const truth = state.truth && state.t === 0.5 ?
    ` · vs the real middle frame: DAEK ${psnr(rgba, state.truth.data).toFixed(2)} dB, averaging ${psnr(average, state.truth.data).toFixed(2)} dB PSNR` : '';
  $('timing').textContent = `${ms.toFixed(0)} ms per frame (${a.width}×${a.height}, ${s.choice.engine} ${s.running})${truth}`;
  $('status').textContent = `Done: ${s.choice.engine} on ${s.running}, ${s.choice.why}.`;
  $('progress').hidden = true;
  const link = $<HTMLAnchorElement>('download');
  toPng($('result')).then((png) => {
    if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(png);
  }, showError);
  // The flow and mask take another forward pass: queued after this run, never timed with it.
  void enqueue(async () => {
    const visuals = await s.visuals(a, b);
    draw($('flow'), {data: visuals.flow, width: a.width, height: a.height});
    draw($('mask'), {data: visuals.mask, width: a.width, height: a.height});
  }).catch(showError);
  return ms;
}

/** The Run button, the hook and the example button all come here. */
async function runFrames(pair: [string | Blob, string | Blob], choices: {engine: EngineName; backend: BackendChoice; model: ModelSource; refine: boolean; t: number}):
    Promise<{session: Session; ms: number}> {
  clearError();
  const frames = await decodePair(pair[0], pair[1]);
  sources[0] = pair[0];
  sources[1] = pair[1];
  // The example pair has its real middle frame: the page scores both methods against it.
  const isExample = typeof pair[0] === 'string' && typeof pair[1] === 'string' &&
    new URL(pair[0], document.baseURI).href === EXAMPLE_PAIR[0] && new URL(pair[1], document.baseURI).href === EXAMPLE_PAIR[1];
  state.truth = isExample ? await decodeImage(EXAMPLE_TRUTH, 'The real middle frame').catch(() => null) : null;
  state.frames = frames;
  draw($('frame0'), frames[0]);
  draw($('frame1'), frames[1]);
  state.t = choices.t;
  $<HTMLInputElement>('t').value = String(choices.t);
  $('t-value').textContent = String(choices.t);
  return enqueue(async () => {
    const s = await getSession(choices.engine, choices.backend, choices.model, choices.refine);
    const ms = await interpolateShown(s);
    return {session: s, ms};
  });
}

function pageChoices(): {engine: EngineName; backend: BackendChoice; model: ModelSource; refine: boolean; t: number} {
  return {engine: $<HTMLSelectElement>('engine').value as EngineName, backend: $<HTMLSelectElement>('backend').value as BackendChoice,
    model: chosenModel(), refine: $<HTMLInputElement>('refine').checked, t: Number($<HTMLInputElement>('t').value)};
}

function checkT(t: unknown): number {
  if (typeof t !== 'number' || !(t >= 0 && t <= 1)) throw new InputError(`t must be a number in [0, 1], got ${String(t)}.`);
  return t;
}

const sources: [string | Blob | null, string | Blob | null] = [null, null];

async function runFromPage(): Promise<void> {
  try {
    if (!sources[0] || !sources[1]) throw new InputError('Give two frames: drop or pick an image for frame 0 and frame 1, or use the example pair.');
    await runFrames(sources as [string | Blob, string | Blob], pageChoices());
  } catch (error) {
    showError(error);
  }
}

async function setSource(index: 0 | 1, file: File): Promise<void> {
  sources[index] = file;
  try {
    clearError();
    const image = await decodeImage(file, `Frame ${index}`);
    draw($(`frame${index}`), image);
    if (sources[0] && sources[1]) await runFromPage();
  } catch (error) {
    sources[index] = null;
    showError(error);
  }
}

function setupInputs(): void {
  for (const index of [0, 1] as const) {
    const zone = $(`drop${index}`);
    zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      const file = e.dataTransfer?.files[0];
      if (file) void setSource(index, file);
    });
    $<HTMLInputElement>(`file${index}`).addEventListener('change', (e) => {
      const file = (e.target as HTMLInputElement).files?.[0];
      if (file) void setSource(index, file);
    });
  }
  $('example').addEventListener('click', () => {
    sources[0] = EXAMPLE_PAIR[0];
    sources[1] = EXAMPLE_PAIR[1];
    void runFromPage();
  });
  $('run').addEventListener('click', () => void runFromPage());
  $('model').addEventListener('change', () => {
    const kind = $<HTMLSelectElement>('model').value;
    $('model-url').hidden = kind !== 'url';
    $('model-files').hidden = kind !== 'files';
  });
  $('t').addEventListener('input', () => { $('t-value').textContent = $<HTMLInputElement>('t').value; });
  $('t').addEventListener('change', () => {
    const t = Number($<HTMLInputElement>('t').value);
    if (!state.session || !state.frames[0]) return;
    state.t = t;
    void enqueue(() => interpolateShown(state.session!)).catch(showError);
  });
  $('split').addEventListener('input', () => {
    const split = Number($<HTMLInputElement>('split').value);
    $('average').style.clipPath = `inset(0 0 0 ${(split * 100).toFixed(1)}%)`;
  });
  $('average').style.clipPath = 'inset(0 0 0 50%)';
  const threads = $<HTMLSelectElement>('threads');
  threads.value = new URLSearchParams(location.search).get('threads') ?? '';
  threads.addEventListener('change', () => {
    // wasm threads are fixed once the backend starts: a new count needs a fresh page.
    const url = new URL(location.href);
    if (threads.value) url.searchParams.set('threads', threads.value); else url.searchParams.delete('threads');
    location.href = url.href;
  });
}

let threadCount = 1;

async function describeIsolation(): Promise<void> {
  const caps = await capabilities();
  threadCount = requestedThreads(caps);
  $('isolation').textContent = caps.isolated ?
    `Cross-origin isolated: wasm runs on ${requestedThreads(caps)} thread(s) (of ${caps.cores} cores).` :
    'Not cross-origin isolated: wasm runs on 1 thread (see the README to host with COOP/COEP).';
  if (!caps.webgpu) $<HTMLOptionElement>('backend').querySelector('option[value=webgpu]')!.textContent = `webgpu (unavailable: ${caps.webgpuWhyNot})`;
}

const ready = (async () => {
  await ensureIsolation();
  setupInputs();
  setupVideo(() => state.session, async () => getSession(pageChoices().engine, pageChoices().backend, pageChoices().model, pageChoices().refine), showError);
  await describeIsolation();
  $('status').textContent = 'Ready: drop two frames, or use the example pair.';
})();

/** Reflect a hook call's choices in the page's controls, so that the page shows (and reruns) what ran. */
function showChoices(options: RunOptions): void {
  $<HTMLSelectElement>('engine').value = options.engine ?? 'tfjs';
  $<HTMLSelectElement>('backend').value = options.backend ?? 'auto';
  $<HTMLInputElement>('refine').checked = options.refine ?? true;
  const model = options.model ?? 'daek-s';
  $<HTMLSelectElement>('model').value = model === 'daek-s' ? 'daek-s' : 'url';
  if (model !== 'daek-s') $<HTMLInputElement>('model-url').value = model;
  $('model-url').hidden = model === 'daek-s';
  $('model-files').hidden = true;
}

const hook: DaekPlayground = {
  ready,
  threads: () => threadCount,
  async run(options: RunOptions): Promise<RunResult> {
    await ready;
    try {
      if (!options || typeof options.frame0Url !== 'string' || typeof options.frame1Url !== 'string') {
        throw new InputError('run({frame0Url, frame1Url, ...}): both frame URLs are required.');
      }
      const t = checkT(options.t ?? 0.5);
      showChoices(options);
      const {session: s, ms} = await runFrames([options.frame0Url, options.frame1Url],
        {engine: options.engine ?? 'tfjs', backend: options.backend ?? 'auto', model: options.model ?? 'daek-s', refine: options.refine ?? true, t});
      const result = state.result!;
      return {width: result.width, height: result.height, rgba: result.data, ms, engine: s.choice.engine, backend: s.choice.backend};
    } catch (error) {
      showError(error);
      throw error;
    }
  },
};
(window as unknown as {daekPlayground: DaekPlayground}).daekPlayground = hook;
ready.catch(showError);
