// Node shim that lets @tensorflow/tfjs-backend-wasm run its threaded-SIMD build (XNNPACK on a pthread pool).
// tfjs 4.22 disables threads in Node, and forcing them on fails three ways; each is handled here:
// 1. The pthread worker script is handed to `new Worker()` as a `blob:` URL, which Node workers refuse. We record
//    the text of every Blob made from strings, and our Worker class runs a blob URL's text with `eval: true`.
// 2. Each worker then `importScripts` the module factory, sent as a Blob whose text is only the factory's source: it
//    refers to names bound inside tfjs's bundle (`require$$0`, `commonjsGlobal`, ...). We send the text instead and
//    run it after binding those names in the worker's global scope.
// 3. tfjs caps XNNPACK at half the logical cores (it assumes two hyperthreads per core), so 2 threads on a 2-core
//    machine become 1. While the backend starts, os.cpus() reports at least twice the threads asked for.
// Nothing of tfjs is copied: the shim only wraps the globals (Blob, URL.createObjectURL, Worker) that tfjs uses.
import {createRequire} from 'node:module';
import os from 'node:os';
import {Worker as NodeWorker, type WorkerOptions} from 'node:worker_threads';

const BLOB_TEXT = Symbol.for('daek.wasmThreads.blobText');
const require = createRequire(import.meta.url);

interface ShimState {
  urls: Map<string, string>;
}

type Global = typeof globalThis & {[BLOB_TEXT]?: ShimState; Worker?: unknown};

// Runs in each pthread worker before tfjs's worker script: the names the module factory's source expects, and an
// importScripts that evaluates source text in the global scope (the factory arrives as text, see 2. above).
const WORKER_PRELUDE = `
globalThis.require$$0 = require('fs');
globalThis.require$$1 = require('path');
globalThis.require$$2 = require('worker_threads');
globalThis.require$$3 = require('perf_hooks');
globalThis.require$$4 = require('os');
globalThis.commonjsGlobal = globalThis;
globalThis._scriptDir = __filename;
`;
const WORKER_POSTLUDE = `
{
  const readScript = globalThis.importScripts;
  globalThis.importScripts = (source) => source.startsWith('var ') ? (0, eval)(source) : readScript(source);
}
`;

function blobText(value: unknown, state: ShimState): string | undefined {
  if (typeof value === 'string' && value.startsWith('blob:')) return state.urls.get(value);
  return (value as {[BLOB_TEXT]?: string} | null)?.[BLOB_TEXT];
}

/** Install the Blob/URL/Worker wrappers once per global scope. */
function install(): ShimState {
  const g = globalThis as Global;
  const existing = g[BLOB_TEXT];
  if (existing) return existing;
  const state: ShimState = {urls: new Map()};
  const BaseBlob = g.Blob;
  class TextRecordingBlob extends BaseBlob {
    readonly [BLOB_TEXT]?: string;
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === 'string')) this[BLOB_TEXT] = parts.join('');
    }
  }
  g.Blob = TextRecordingBlob as typeof Blob;
  const createObjectURL = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (blob: Blob): string => {
    const url = createObjectURL(blob);
    const text = blobText(blob, state);
    if (text !== undefined) state.urls.set(url, text);
    return url;
  };
  class BlobAwareWorker extends NodeWorker {
    constructor(script: string | URL, options?: WorkerOptions) {
      const text = typeof script === 'string' ? state.urls.get(script) : undefined;
      if (text === undefined) super(script, options);
      else super(WORKER_PRELUDE + text + WORKER_POSTLUDE, {...options, eval: true});
    }
    // Emscripten refs a worker while its pthread runs, and XNNPACK's pool threads run for the life of the
    // backend: the process would never exit. The main thread waits for their work itself, so they need no ref.
    override ref(): void {
      this.unref();
    }
    override postMessage(message: unknown, transfer?: readonly Transferable[]): void {
      const load = message as {cmd?: string; urlOrBlob?: unknown} | null;
      if (load?.cmd === 'load' && typeof load.urlOrBlob !== 'string') {
        const text = blobText(load.urlOrBlob, state);
        if (text !== undefined) message = {...load, urlOrBlob: text};
      }
      super.postMessage(message, transfer as never);
    }
  }
  // tfjs assigns Worker = worker_threads.Worker when its module starts; keep ours in place.
  Object.defineProperty(g, 'Worker', {
    configurable: true,
    get: () => BlobAwareWorker,
    set: () => undefined,
  });
  g[BLOB_TEXT] = state;
  return state;
}

/**
 * Prepare Node for the wasm backend's threaded build with `threads` threads: install the worker shim and switch on
 * tfjs's `WASM_HAS_MULTITHREAD_SUPPORT` flag. Returns an undo for the core-count override, to call once the backend
 * started. With `threads === 1` nothing changes: the single-threaded SIMD build runs, as before.
 */
export function prepareNodeWasmThreads(threads: number, setFlag: (name: string, value: boolean) => void):
    () => void {
  if (threads <= 1) return () => undefined;
  install();
  setFlag('WASM_HAS_MULTITHREAD_SUPPORT', true);
  // tfjs reads the core count through require('os'); patch that module object (ESM's default import is the same).
  const osModule = require('node:os') as typeof os;
  const cpus = osModule.cpus;
  const real = cpus.call(osModule);
  const wanted = Math.max(real.length, 2 * threads);
  osModule.cpus = () => Array.from({length: wanted}, (_, i) => real[i % Math.max(real.length, 1)]);
  return () => {
    osModule.cpus = cpus;
  };
}
