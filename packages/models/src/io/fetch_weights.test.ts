import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {readFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {fileURLToPath} from 'node:url';
import {useBackend} from '@daek/flow-ops';
import {DAEK} from '../daek.js';
import {resolveDaekConfig} from '../presets.js';
import {loadNetworkWeights} from '../weights_source.js';
import {fetchWeightsHandler, type DownloadProgress} from './fetch_weights.js';

// The shipped daek-s files served over HTTP, with the shard under another name (as a bundler emits it).
const modelJson = new URL('../../weights/daek-s/model.json', import.meta.url);
const json = JSON.parse(readFileSync(modelJson, 'utf8')) as {weightsManifest: {paths: string[]}[]};
const shardName = json.weightsManifest[0]!.paths[0]!;
const shard = readFileSync(fileURLToPath(new URL(shardName, modelJson)));

describe('fetchWeightsHandler', () => {
  let server: Server;
  let base: string;
  const requests: string[] = [];
  beforeAll(async () => {
    await useBackend('cpu');
    server = createServer((request, response) => {
      requests.push(request.url!);
      if (request.url === '/m/model.json') response.end(readFileSync(modelJson));
      else if (request.url === '/assets/renamed-shard.bin' || request.url === `/full/${shardName}`) response.end(shard);
      else if (request.url === '/full/model.json') response.end(readFileSync(modelJson));
      else if (request.url === '/bad/model.json') response.end('<html>not json</html>');
      else { response.statusCode = 404; response.end(); }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('loads model.json and renamed shards, reporting byte progress up to the manifest size', async () => {
    const progress: DownloadProgress[] = [];
    const artifacts = await fetchWeightsHandler(`${base}/m/model.json`, {
      shardUrls: {[shardName]: `${base}/assets/renamed-shard.bin`}, onProgress: (p) => progress.push(p),
    }).load!();
    const buffers = artifacts.weightData as ArrayBuffer[];
    expect(buffers.length).toBe(1);
    expect(Buffer.from(buffers[0]!).equals(shard)).toBe(true);
    expect(artifacts.weightSpecs!.length).toBeGreaterThan(10);
    expect(progress[0]).toMatchObject({loaded: 0, fraction: 0});
    const last = progress[progress.length - 1]!;
    expect(last).toMatchObject({loaded: shard.length, total: shard.length, fraction: 1, cached: false});
    expect(progress.every((p, i) => i === 0 || p.loaded >= progress[i - 1]!.loaded)).toBe(true);
  });

  it('is what loadNetworkWeights uses for a model.json URL: the weights load, with progress to 1', async () => {
    const network = new DAEK(resolveDaekConfig('daek-s', {teacher: 'none'}));
    try {
      const fractions: number[] = [];
      const bytes: number[] = [];
      const name = await loadNetworkWeights(network, `${base}/full/model.json`, (f) => fractions.push(f),
        {onDownload: (p) => bytes.push(p.loaded)});
      expect(name).toBe(`${base}/full/model.json`);
      expect(fractions[0]).toBe(0);
      expect(fractions[fractions.length - 1]).toBe(1);
      expect(bytes[bytes.length - 1]).toBe(shard.length);
      expect(requests).toContain(`/full/${shardName}`);
    } finally {
      network.dispose();
    }
  });

  it('names the URL and the status when a shard is missing', async () => {
    await expect(fetchWeightsHandler(`${base}/m/model.json`).load!()).rejects.toThrow(
      new RegExp(`HTTP 404 fetching ${base}/m/${shardName.replace(/\./g, '\\.')}`));
  });

  it('says when model.json is not JSON', async () => {
    await expect(fetchWeightsHandler(`${base}/bad/model.json`).load!()).rejects.toThrow(/model\.json is not valid JSON.*tfjs model\.json/);
  });
});
