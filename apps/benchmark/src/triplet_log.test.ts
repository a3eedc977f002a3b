import {afterAll, describe, expect, it} from '@jest/globals';
import {readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {CSV_HEADER, formatRow, readTripletCsv, TripletLog, type TripletRow} from './triplet_log.js';
import {removeFolder, temporaryFolder} from '../test/helpers.js';

const dir = temporaryFolder();
afterAll(() => removeFolder(dir));

const row = (id: string, psnr: number): TripletRow => ({
  runKey: 'k1', dataset: 'snu-hard', method: 'daek:daek-f-ca', index: 3, id, width: 1280, height: 720,
  psnr, psnrFloat: psnr + 0.01, ssim: 0.93, ie: 4.5, ms: 1234.5,
});

describe('per-triplet CSV', () => {
  it('round-trips rows, quoting ids with commas or quotes, and inf', () => {
    const file = path.join(dir, 'a.csv');
    const log = new TripletLog(file, {resume: false});
    log.append(row('GOPRO_test/GOPR0384_11_00/000017.png', 30.5));
    log.append(row('odd, "name"', Infinity));
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(CSV_HEADER.join(','));
    expect(formatRow(row('odd, "name"', Infinity))).toContain('"odd, ""name""",1280,720,inf,inf,');
    expect(readTripletCsv(file)).toEqual([row('GOPRO_test/GOPR0384_11_00/000017.png', 30.5), row('odd, "name"', Infinity)]);
    const resumed = new TripletLog(file, {resume: true});
    expect([...resumed.resumed('k1').keys()]).toEqual(['GOPRO_test/GOPR0384_11_00/000017.png', 'odd, "name"']);
    expect(resumed.resumed('other').size).toBe(0);
    expect(new TripletLog(file, {resume: false}).resumedKeys()).toEqual([]);
    expect(readTripletCsv(file)).toEqual([]);
  });

  it('ignores a torn last line and refuses a file that is not its own', () => {
    const file = path.join(dir, 'b.csv');
    writeFileSync(file, `${CSV_HEADER.join(',')}\n${formatRow(row('a', 1))}k1,snu-hard,daek,4,b,12`);
    const log = new TripletLog(file, {resume: true});
    expect([...log.resumed('k1').keys()]).toEqual(['a']);
    log.append(row('c', 2));
    expect(readTripletCsv(file).map((r) => r.id)).toEqual(['a', 'c']);
    writeFileSync(file, 'id,psnr\n');
    expect(() => new TripletLog(file, {resume: true})).toThrow(/not a daek-bench per-triplet CSV/);
  });
});
