// Bundle a workspace package's browser entry with esbuild, the way an app would: platform browser, the package's
// own source through the "@daek/source" condition, peers (tfjs, onnxruntime-web) left to the app. Reports every
// Node built-in or Node-only package the entry reaches, with the file that imports it.
import {builtinModules} from 'node:module';
import {readFileSync, readdirSync, existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';
import * as esbuild from 'esbuild';

/** The monorepo root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Packages a browser app may import without bundling them (the app brings them). */
const PEERS = /^(@tensorflow\/tfjs(-core|-backend-wasm|-backend-webgpu|-backend-webgl|-backend-cpu)?|onnxruntime-web)(\/.*)?$/;
/** Packages that only work in Node: the browser entry must never reach them. */
const NODE_ONLY = /^(sharp|webgpu|onnxruntime-node|fluent-ffmpeg|ffmpeg-static)(\/.*)?$/;
const BUILTINS = new Set(builtinModules);

/** One package's browser bundle. */
export interface BundleReport {
  /** Package name. */
  name: string;
  /** Problems: Node imports, unresolved modules, `node:` strings in the output. Empty when clean. */
  problems: string[];
  /** Minified bytes of the package's own code (other @daek packages and peers excluded). */
  ownBytes: number;
  /** Gzipped bytes of the same. */
  ownGzip: number;
  /** Gzipped bytes with the @daek packages it depends on (peers excluded). */
  withDepsGzip: number;
}

/** The publishable workspace packages that have a source entry. */
export function workspacePackages(): {name: string; dir: string}[] {
  const dir = path.join(ROOT, 'packages');
  return readdirSync(dir).sort().flatMap((entry) => {
    const pkgFile = path.join(dir, entry, 'package.json');
    if (!existsSync(pkgFile) || !existsSync(path.join(dir, entry, 'src/index.ts'))) return [];
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {name: string; private?: boolean};
    return pkg.private ? [] : [{name: pkg.name, dir: path.join(dir, entry)}];
  });
}

async function build(name: string, ownOnly: boolean, problems: string[]): Promise<Uint8Array> {
  const plugin: esbuild.Plugin = {
    name: 'browser-clean',
    setup(b) {
      b.onResolve({filter: /.*/}, (args) => {
        const spec = args.path;
        const where = path.relative(ROOT, args.importer) || '(entry)';
        if (spec.startsWith('node:') || BUILTINS.has(spec.split('/')[0]!)) {
          problems.push(`${where} imports the Node built-in '${spec}'`);
          return {path: spec, external: true};
        }
        if (NODE_ONLY.test(spec)) {
          problems.push(`${where} imports the Node-only package '${spec}'`);
          return {path: spec, external: true};
        }
        if (PEERS.test(spec)) return {path: spec, external: true};
        if (ownOnly && spec.startsWith('@daek/') && spec !== name) return {path: spec, external: true};
        return undefined;
      });
    },
  };
  const result = await esbuild.build({
    stdin: {contents: `export * from '${name}';`, resolveDir: ROOT, loader: 'js'},
    bundle: true, write: false, platform: 'browser', format: 'esm', target: 'es2022', minify: true,
    conditions: ['@daek/source'], logLevel: 'silent', plugins: [plugin],
  }).catch((error: {errors?: esbuild.Message[]}) => {
    for (const e of error.errors ?? []) {
      problems.push(`${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`);
    }
    return null;
  });
  return result?.outputFiles[0]?.contents ?? new Uint8Array(0);
}

/** Bundle one package for the browser and measure it. */
export async function bundlePackage(name: string): Promise<BundleReport> {
  const problems: string[] = [];
  const withDeps = await build(name, false, problems);
  // A `node:` string in the output is a Node import hidden behind a variable (bundlers cannot see it).
  const text = new TextDecoder().decode(withDeps);
  for (const match of new Set(text.match(/["'`]node:[a-z_/]+/g) ?? [])) {
    problems.push(`the bundle contains the string ${match.slice(1)} (a Node import hidden from the bundler?)`);
  }
  const own = await build(name, true, []);
  return {name, problems: [...new Set(problems)], ownBytes: own.length, ownGzip: gzipSync(own, {level: 9}).length,
    withDepsGzip: gzipSync(withDeps, {level: 9}).length};
}
