// The playground is a static site: `vite build` writes apps/web/dist, which works from any folder of any static
// host (relative base). The dev and preview servers send COOP/COEP so that wasm can use threads.
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {defaultClientConditions, defineConfig, type Plugin} from 'vite';

/** Headers that make the page cross-origin isolated (SharedArrayBuffer, wasm threads). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The repository's example frames (examples/frames, see its README), served and copied as examples/<name>. */
export const EXAMPLES_DIR = path.resolve(import.meta.dirname, '../../examples/frames');
const EXAMPLE_FILES = ['frame0.png', 'frame1.png', 'truth.png'];

function exampleFrames(): Plugin {
  return {
    name: 'daek-example-frames',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const name = /\/examples\/([\w.-]+)$/.exec(request.url?.split('?')[0] ?? '')?.[1];
        if (!name || !EXAMPLE_FILES.includes(name)) return next();
        response.setHeader('Content-Type', 'image/png');
        response.end(readFileSync(path.join(EXAMPLES_DIR, name)));
      });
    },
    generateBundle() {
      for (const name of readdirSync(EXAMPLES_DIR).filter((f) => EXAMPLE_FILES.includes(f))) {
        this.emitFile({type: 'asset', fileName: `examples/${name}`, source: readFileSync(path.join(EXAMPLES_DIR, name))});
      }
    },
  };
}

/** onnxruntime-web's browser bundle and the .wasm it fetches beside itself, served and copied as ort/<name>. */
const ORT_DIR = path.resolve(import.meta.dirname, '../../node_modules/onnxruntime-web/dist');
const ORT_FILES = ['ort.bundle.min.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];

function onnxRuntimeWeb(): Plugin {
  const types: Record<string, string> = {mjs: 'text/javascript', wasm: 'application/wasm'};
  return {
    name: 'daek-onnxruntime-web',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const name = /\/ort\/([\w.-]+)$/.exec(request.url?.split('?')[0] ?? '')?.[1];
        if (!name || !ORT_FILES.includes(name)) return next();
        response.setHeader('Content-Type', types[name.split('.').pop()!]!);
        response.end(readFileSync(path.join(ORT_DIR, name)));
      });
    },
    generateBundle() {
      for (const name of ORT_FILES) this.emitFile({type: 'asset', fileName: `ort/${name}`, source: readFileSync(path.join(ORT_DIR, name))});
    },
  };
}

export default defineConfig({
  base: './',
  // Workspace packages resolve to their TypeScript sources ("@daek/source"), and their browser entries.
  resolve: {conditions: ['@daek/source', ...defaultClientConditions]},
  server: {headers: ISOLATION_HEADERS},
  preview: {headers: ISOLATION_HEADERS},
  plugins: [exampleFrames(), onnxRuntimeWeb()],
  build: {target: 'es2022', outDir: 'dist', minify: 'esbuild', emptyOutDir: true, chunkSizeWarningLimit: 4096, reportCompressedSize: false},
  optimizeDeps: {exclude: ['@daek/flow-ops', '@daek/models', '@daek/correlation', '@daek/attention', '@daek/distill']},
});
