import {describe, expect, it} from '@jest/globals';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {SHIPPED_WEIGHTS, shippedFiles, shippedShardUrls, shippedWeights} from './shipped.js';

describe('shipped weights', () => {
  it('name every shard of each shipped model.json, so that bundlers copy them all', () => {
    for (const model of Object.keys(SHIPPED_WEIGHTS)) {
      const files = shippedFiles(model)!;
      expect(files).not.toBeNull();
      expect(fileURLToPath(files.modelJson)).toMatch(new RegExp(`${SHIPPED_WEIGHTS[model]!.replace(/\//g, '[\\\\/]')}$`));
      const json = JSON.parse(readFileSync(files.modelJson, 'utf8')) as {weightsManifest: {paths: string[]}[]};
      const manifest = json.weightsManifest.flatMap((g) => g.paths).sort();
      expect(Object.keys(files.shards).sort()).toEqual(manifest);
      for (const [name, url] of Object.entries(files.shards)) {
        expect(url.href).toBe(new URL(name, files.modelJson).href); // beside model.json, before any bundler renames
        expect(readFileSync(url).length).toBeGreaterThan(0);
      }
      expect(shippedShardUrls(files.modelJson.href)).toEqual(
        Object.fromEntries(Object.entries(files.shards).map(([name, url]) => [name, url.href])));
    }
  });

  it('resolve to a file path in Node, and to nothing for models without shipped weights', async () => {
    expect(await shippedWeights('daek-s')).toBe(fileURLToPath(shippedFiles('daek-s')!.modelJson));
    expect(await shippedWeights('daek')).toBeNull();
    expect(shippedFiles('ifnet')).toBeNull();
    expect(shippedShardUrls('https://example.com/model.json')).toBeUndefined();
  });
});
