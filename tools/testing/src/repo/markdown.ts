// Reads the project's markdown: which files are documentation, their fenced code blocks and their links.
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs';
import path from 'node:path';

/** The repository root. */
export const ROOT = path.resolve(import.meta.dirname, '../../../..');

/** A fenced code block of a markdown file. */
export interface CodeBlock {
  /** Path relative to {@link ROOT}. */
  file: string;
  /** 1-based line of the block's first code line. */
  line: number;
  /** The fence's language tag (`ts`, `sh`, ...), lower case; '' when none. */
  lang: string;
  /** The code. */
  code: string;
  /** Code from an HTML comment `<!-- ts-prelude ... -->` right above the fence, else ''. */
  prelude: string;
}

function walk(dir: string, keep: (file: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist' || name === 'api' || name.startsWith('.')) return [];
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full, keep) : keep(full) ? [full] : [];
  });
}

/** Every markdown file a user reads: READMEs, docs/ and the apps' docs folders (not generated API pages). */
export function markdownFiles(): string[] {
  const md = (f: string) => f.endsWith('.md') && !f.includes(`${path.sep}.changeset${path.sep}`) &&
    !/CHANGELOG\.md$/.test(f);
  const roots = ['docs', 'examples', 'packages', 'apps', 'tools'].map((d) => path.join(ROOT, d));
  const files = [path.join(ROOT, 'README.md'), ...roots.flatMap((dir) => walk(dir, md))];
  // Test fixtures and training outputs are data, not documentation.
  return files.filter((f) => !/[/\\](test|fixtures|weights)[/\\]/.test(path.relative(ROOT, f)))
    .map((f) => path.relative(ROOT, f)).sort();
}

/** The fenced code blocks of one markdown file, in order. */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+|~~~+)\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence!)) end++;
    const code = lines.slice(start, end).map((l) => l.startsWith(indent!) ? l.slice(indent!.length) : l).join('\n');
    blocks.push({file, line: start + 1, lang: lang!.toLowerCase(), code, prelude: preludeAbove(lines, i)});
    i = end;
  }
  return blocks;
}

/** The code of a `<!-- ts-prelude ... -->` comment ending on the line right above `fenceLine` (blank lines allowed). */
function preludeAbove(lines: string[], fenceLine: number): string {
  let j = fenceLine - 1;
  while (j >= 0 && lines[j]!.trim() === '') j--;
  if (j < 0 || !lines[j]!.trim().endsWith('-->')) return '';
  let k = j;
  while (k >= 0 && !lines[k]!.includes('<!--')) k--;
  const comment = lines.slice(k, j + 1).join('\n').trim();
  const match = /^<!--\s*ts-prelude\b([\s\S]*?)-->$/.exec(comment);
  return match ? match[1]!.trim() : '';
}

/** A markdown link or image target with its line. */
export interface Link {
  file: string;
  line: number;
  target: string;
}

/** Every inline link and image target of a markdown file, code blocks and code spans excluded. */
export function links(file: string): Link[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const out: Link[] = [];
  let inFence = false;
  text.split('\n').forEach((raw, index) => {
    if (/^\s*(```|~~~)/.test(raw)) { inFence = !inFence; return; }
    if (inFence) return;
    const line = raw.replace(/`[^`]*`/g, '``');
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({file, line: index + 1, target: m[1]!});
  });
  return out;
}
