#!/usr/bin/env node
// Copies package.json's version (which changesets bumps) into the Python package, so the wheel and the npm
// workspace carry one version. Run after `changeset version`; tests/test_package.py fails when they drift.
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const {version} = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const file = path.join(root, 'src/daek_torch/__init__.py');
const text = readFileSync(file, 'utf8');
const next = text.replace(/^__version__ = "[^"]*"$/m, `__version__ = "${version}"`);
if (next === text && !text.includes(`__version__ = "${version}"`)) throw new Error(`no __version__ line in ${file}`);
writeFileSync(file, next);
console.log(`daek_torch.__version__ = ${version}`);
