// What a user gets from `npm install @daek/<name>`: checks every publishable package's metadata and the file
// list `npm pack` would publish (issue 13 item 14). `npm pack --dry-run` builds nothing and writes nothing.
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from '@jest/globals';

const root = path.resolve(import.meta.dirname, '../../../..');
const packageDirs = readdirSync(path.join(root, 'packages')).map((name) => `packages/${name}`)
  .filter((dir) => existsSync(path.join(root, dir, 'package.json')))
  .filter((dir) => !(JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as {private?: boolean}).private);

interface Manifest {
  name: string; private?: boolean; license?: string; files?: string[]; engines?: {node?: string};
  repository?: {url?: string; directory?: string}; homepage?: string;
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>; peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, {optional?: boolean}>;
}

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as Manifest;
}

/** The paths `npm pack` would put into the tarball. */
function packList(dir: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: path.join(root, dir), encoding: 'utf8'});
  return (JSON.parse(out) as {files: {path: string}[]}[])[0].files.map((f) => f.path);
}

function sourceFiles(dir: string, sub = 'src'): string[] {
  const abs = path.join(root, dir, sub);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, {withFileTypes: true}).flatMap((e) => e.isDirectory() ? sourceFiles(dir, `${sub}/${e.name}`)
    : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [`${sub}/${e.name}`] : []);
}

describe('installation', () => {
  it('package-lock.json matches every package.json, so `npm ci` installs (issue 13 item 15)', () => {
    const run = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], {cwd: root, encoding: 'utf8'});
    expect([run.status, run.stderr.split('\n').filter((l) => /npm error/.test(l)).slice(0, 5)]).toEqual([0, []]);
  });
});

describe('CI script', () => {
  const ci = readFileSync(path.join(root, '.ci/run'), 'utf8');
  it('installs with `npm ci`, builds the docs, then tests (so the test summary is its last line)', () => {
    const commands = ci.split('\n').filter((l) => /^npm /.test(l)).map((l) => l.split(' ').slice(0, 3).join(' '));
    expect(commands).toEqual(['npm ci --no-audit', 'npm run docs', 'npm test']);
  });
  it('apt-installs only what is missing, the Python test packages included', () => {
    for (const pkg of ['ffmpeg', 'chromium', 'libvulkan1', 'python3-torch', 'python3-numpy', 'python3-pil', 'python3-tqdm',
      'python3-matplotlib', 'python3-pytest', 'python3-onnx']) expect(ci).toContain(pkg);
    expect(ci).toMatch(/dpkg-query -W/);
  });
});

describe('publishable packages', () => {
  it('finds the packages', () => {
    expect(packageDirs).toEqual(expect.arrayContaining(['packages/flow-ops', 'packages/models']));
  });

  for (const dir of packageDirs) {
    describe(dir, () => {
      const pkg = manifest(dir);

      it('has licence, repository, homepage and engines fields', () => {
        expect(pkg.license).toBe('MIT');
        expect(pkg.repository?.url).toMatch(/^git\+https:\/\/.+\.git$/);
        expect(pkg.repository?.directory).toBe(dir);
        expect(pkg.homepage).toMatch(/^https:\/\//);
        expect(pkg.engines?.node).toMatch(/^>=\d+/);
      });

      it('exports ./package.json and answers require() with a message that says what to do', () => {
        expect(pkg.exports?.['./package.json']).toBe('./package.json');
        const dot = pkg.exports?.['.'];
        expect(typeof dot === 'object' && dot.require).toBe('./require.cjs');
        const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(pkg.name)})`], {cwd: root, encoding: 'utf8'});
        expect(run.status).not.toBe(0);
        expect(run.stderr).toContain(`${pkg.name} is an ES module and cannot be loaded with require()`);
        expect(run.stderr).toContain(`await import('${pkg.name}')`);
      });

      it('declares every optional backend as an optional peer dependency with a version range', () => {
        for (const [name, meta] of Object.entries(pkg.peerDependenciesMeta ?? {})) {
          expect([name, meta.optional]).toEqual([name, true]);
          expect([name, pkg.peerDependencies?.[name]]).toEqual([name, expect.stringMatching(/^\^\d+\.\d+/)]);
        }
      });

      it('imports every runtime dependency it declares', () => {
        const code = sourceFiles(dir).map((f) => readFileSync(path.join(root, dir, f), 'utf8')).join('\n');
        for (const dep of Object.keys(pkg.dependencies ?? {})) {
          const quoted = `['"]${dep.replace(/[/.]/g, '\\$&')}(/[^'"]*)?['"]`;
          const used = new RegExp(`(from\\s+|import\\s*\\(\\s*|import\\s+)${quoted}`).test(code);
          expect([dep, used]).toEqual([dep, true]);
        }
      });

      it('packs LICENSE, README, the CommonJS notice and the sources its source maps point at; no tests, logs or missing files', () => {
        const files = packList(dir);
        expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'require.cjs']));
        expect(readFileSync(path.join(root, dir, 'LICENSE'), 'utf8')).toBe(readFileSync(path.join(root, 'LICENSE'), 'utf8'));
        for (const entry of pkg.files ?? []) {
          if (!entry.startsWith('!') && !entry.includes('*') && entry !== 'dist') {
            expect([entry, existsSync(path.join(root, dir, entry))]).toEqual([entry, true]);
          }
        }
        expect(files.filter((f) => f.endsWith('.test.ts') || /(^|\/)training\//.test(f) || /\.(jsonl|log)$/.test(f))).toEqual([]);
        if (pkg.files?.includes('dist')) expect(files).toEqual(expect.arrayContaining(sourceFiles(dir)));
      });
    });
  }
});
