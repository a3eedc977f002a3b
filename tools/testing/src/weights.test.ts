import {describe, expect, it} from '@jest/globals';
import {createHash} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {formulaFor, type StateDictEntry} from './weights.js';

const listing = path.resolve(import.meta.dirname, '../../../../shared/fixtures/daek/cfcm/state_dict.json');

describe('formulaTensor', () => {
  const run = existsSync(listing) ? it : it.skip;
  run('reproduces the CFCM fixture tensors bitwise (sha256 of the float32 bytes)', () => {
    const raw = JSON.parse(readFileSync(listing, 'utf8'));
    const entries: (StateDictEntry & {sha256: string})[] = Array.isArray(raw) ? raw : raw.entries ?? raw.tensors;
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      const bytes = new Uint8Array(formulaFor(e).buffer);
      expect(`${e.name}:${createHash('sha256').update(bytes).digest('hex')}`).toBe(`${e.name}:${e.sha256}`);
    }
  });
});
