// Every TypeScript block in the project's markdown compiles under strict settings against the packages' sources
// (issue 13 item 12), and the root README's hello-world is examples/hello-world.ts, which is run.
// A block may start from names declared in an HTML comment right above its fence, invisible when rendered:
//   <!-- ts-prelude
//   import * as tf from '@tensorflow/tfjs';
//   declare const frame0: tf.Tensor3D;
//   -->
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import {beforeAll, describe, expect, it} from '@jest/globals';
import {codeBlocks, markdownFiles, ROOT, type CodeBlock} from './markdown.js';

/** Fences that are type-checked: TypeScript, and JavaScript checked as TypeScript (the same syntax, stricter). */
const TS_LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);
const OUT = path.join(ROOT, 'node_modules', '.cache', 'daek-readme-check');

/** Compiler options of the packages' tsconfig.json (strict, NodeNext, sources via "@daek/source"). */
const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noImplicitOverride: true, noEmit: true,
  skipLibCheck: true, esModuleInterop: true, isolatedModules: true, types: ['node'], customConditions: ['@daek/source'],
};

function slug(block: CodeBlock): string {
  return `${block.file.replace(/[^A-Za-z0-9]+/g, '_')}_L${block.line}.ts`;
}

/** Type-check blocks (plus extra files) in one program; returns "file:line: message" per error, README lines. */
function typeCheck(blocks: CodeBlock[], extraFiles: string[] = []): string[] {
  rmSync(OUT, {recursive: true, force: true});
  mkdirSync(OUT, {recursive: true});
  writeFileSync(path.join(OUT, 'package.json'), '{"type": "module"}\n');
  const origin = new Map<string, {block: CodeBlock; offset: number}>();
  for (const block of blocks) {
    const file = path.join(OUT, slug(block));
    const head = block.prelude ? `${block.prelude}\n` : '';
    const shebang = /^#!.*\n/.exec(block.code)?.[0] ?? '';   // must stay the first line; blank it, keep the numbering
    const code = shebang ? `\n${block.code.slice(shebang.length)}` : block.code;
    writeFileSync(file, `${head}${code}\nexport {};\n`);
    origin.set(file, {block, offset: head.split('\n').length - 1});
  }
  const program = ts.createProgram([...origin.keys(), ...extraFiles], OPTIONS);
  // Only the examples' own errors: the packages' sources are checked by their own lint.
  const checked = [...origin.keys(), ...extraFiles].map((f) => program.getSourceFile(f));
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(),
    ...checked.flatMap((f) => f ? [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)] : [])];
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return message;
    const {line} = d.file.getLineAndCharacterOfPosition(d.start);
    const from = origin.get(path.resolve(d.file.fileName));
    if (!from) return `${path.relative(ROOT, d.file.fileName)}:${line + 1}: ${message}`;
    const where = line < from.offset ? `prelude above line ${from.block.line - 1}` : `${from.block.line + line - from.offset}`;
    return `${from.block.file}:${where}: ${message}`;
  });
}

describe('markdown code', () => {
  const files = markdownFiles();
  const blocks = files.flatMap(codeBlocks);
  const tsBlocks = blocks.filter((b) => TS_LANGS.has(b.lang));

  it('finds the documentation', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'packages/models/README.md', 'docs/README.md']));
    expect(tsBlocks.length).toBeGreaterThan(10);
  });

  it('tags code with its language so that it is checked (no untagged or CommonJS blocks holding imports)', () => {
    const looksLikeCode = (code: string) => /^\s*import\s.*\sfrom\s+['"]|\brequire\(['"]/m.test(code);
    const unchecked = blocks.filter((b) => ['', 'cjs'].includes(b.lang) && looksLikeCode(b.code));
    expect(unchecked.map((b) => `${b.file}:${b.line} (${b.lang || 'no language'})`)).toEqual([]);
  });

  // One program for everything (building it is the slow part), with one deliberately broken block that proves the
  // checker reports errors at the README's line numbers.
  const selfTest: CodeBlock = {file: 'checker-self-test.md', line: 7, lang: 'ts', prelude: '',
    code: "import {createInterpolator} from '@daek/models';\nconst interp = await createInterpolator();\nawait interp.interpolate(frame0, frame1);"};
  let errors: string[] = [];
  beforeAll(() => { errors = typeCheck([...tsBlocks, selfTest], ['examples/hello-world.ts'].map((f) => path.join(ROOT, f))); });

  it('type-checks every TypeScript block, and examples/, with strict settings', () => {
    expect(errors.filter((e) => !e.startsWith(`${selfTest.file}:`))).toEqual([]);
  });

  it('catches a block that does not compile (the checker itself works)', () => {
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/^checker-self-test\.md:9: Cannot find name 'frame0'/)]));
  });

  it('leads the root README with examples/hello-world.ts, verbatim', () => {
    const first = codeBlocks('README.md').find((b) => TS_LANGS.has(b.lang));
    const example = readFileSync(path.join(ROOT, 'examples/hello-world.ts'), 'utf8');
    expect(first?.code.trim()).toBe(example.trim());
  });
});
