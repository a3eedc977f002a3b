// The documentation a user can reach (issue 13 items 11 and 16): the docs index lists every project's guide and
// API reference, every relative link resolves (anchors included), nothing points at files only the developers
// have (../shared/design), and READMEs that typedoc renders link to files, which typedoc can copy, not folders.
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from '@jest/globals';
import {links, markdownFiles, ROOT} from './markdown.js';

interface Project {dir: string; name: string; docsOut: string | null; readme: string | null}

/** Workspace projects with their typedoc output folder (from the `docs` script) and the README typedoc renders. */
function projects(): Project[] {
  return ['packages', 'apps'].flatMap((group) => readdirSync(path.join(ROOT, group)).map((name) => `${group}/${name}`))
    .filter((dir) => existsSync(path.join(ROOT, dir, 'package.json')))
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')) as {name: string; scripts?: Record<string, string>};
      const out = /--out\s+(\S+)/.exec(pkg.scripts?.docs ?? '')?.[1];
      const typedoc = path.join(ROOT, dir, 'typedoc.json');
      const readme = existsSync(typedoc) ? (JSON.parse(readFileSync(typedoc, 'utf8')) as {readme?: string}).readme ?? null : null;
      return {dir, name: pkg.name, docsOut: out ? path.relative(ROOT, path.resolve(ROOT, dir, out)) : null,
        readme: readme ? path.join(dir, readme) : null};
    });
}

/** GitHub's heading anchors of a markdown file, plus explicit `<a id>` / `<a name>` anchors. */
function anchors(file: string): Set<string> {
  const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = m[1]!.toLowerCase().replace(/<[^>]+>/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]!);
  return out;
}

const generated = projects().flatMap((p) => p.docsOut ? [p.docsOut] : []);

describe('documentation', () => {
  it('the docs index links every project\'s guide and API reference, and the architecture', () => {
    const index = links('docs/README.md').map((l) => path.relative(ROOT, path.resolve(ROOT, 'docs', l.target.split('#')[0]!)));
    expect(index).toContain('docs/architecture.md');
    for (const project of projects()) {
      if (project.docsOut) expect([project.name, index.includes(`${project.docsOut}/index.html`)]).toEqual([project.name, true]);
      if (existsSync(path.join(ROOT, project.dir, 'README.md'))) {
        expect([project.name, index.includes(`${project.dir}/README.md`)]).toEqual([project.name, true]);
      }
    }
  });

  it('every relative link in the markdown resolves, anchors included', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      for (const {line, target} of links(file)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;          // https:, mailto:
        const [rel, anchor] = target.split('#') as [string, string | undefined];
        const resolved = rel === '' ? file : path.relative(ROOT, path.resolve(ROOT, path.dirname(file), decodeURI(rel)));
        const where = `${file}:${line}: ${target}`;
        if (generated.some((out) => resolved === out || resolved.startsWith(`${out}/`))) continue;
        if (!existsSync(path.join(ROOT, resolved))) { broken.push(`${where} (no such file)`); continue; }
        if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) broken.push(`${where} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('READMEs rendered by typedoc link to files, not folders (typedoc copies files only)', () => {
    const folders: string[] = [];
    for (const project of projects()) {
      if (!project.readme || !existsSync(path.join(ROOT, project.readme))) continue;
      for (const {line, target} of links(project.readme)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
        const resolved = path.resolve(ROOT, path.dirname(project.readme), decodeURI(target.split('#')[0]!));
        if (existsSync(resolved) && statSync(resolved).isDirectory()) folders.push(`${project.readme}:${line}: ${target}`);
      }
    }
    expect(folders).toEqual([]);
  });

  it('nothing points at the developers\' design folder; the architecture is in docs/', () => {
    const mentions = markdownFiles().flatMap((file) => readFileSync(path.join(ROOT, file), 'utf8').split('\n')
      .flatMap((text, i) => /shared\/design|design\/(daek-architecture|backends|style)\.md/.test(text) ? [`${file}:${i + 1}`] : []));
    expect(mentions).toEqual([]);
  });
});

describe('no stale text (issue 13 item 17)', () => {
  const text = (file: string) => readFileSync(path.join(ROOT, file), 'utf8').replace(/\s+/g, ' ');

  it('the root README speaks to users, not in internal issue numbers', () => {
    expect(text('README.md').match(/\bissues? #?\d+\b/gi) ?? []).toEqual([]);
  });

  it('no README says wasm cannot train a convolution without saying that useBackend fixes it', () => {
    const stale = markdownFiles().flatMap((file) => text(file).split(/(?<=[.;])\s/)
      .filter((sentence) => /wasm[^.]*(cannot|can't|no conv can|has no)[^.]*(train|Conv2DBackpropFilter)/i.test(sentence) &&
        !/useBackend|registerConvGradients|registerWasmConvGradients|without it/.test(sentence))
      .map((sentence) => `${file}: ${sentence.slice(0, 120)}`));
    expect(stale).toEqual([]);
  });
});
