// Every package's main entry bundles for the browser: no node: imports, no Node-only packages, nothing
// unresolved. Sizes go to test-output/bundle-sizes.json (and, by hand, into each package README).
import {afterAll, describe, expect, it} from '@jest/globals';
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {bundlePackage, ROOT, workspacePackages, type BundleReport} from './browser_bundle.js';

const reports: BundleReport[] = [];

describe('browser bundles (esbuild, platform browser)', () => {
  for (const {name} of workspacePackages()) {
    it(`${name} bundles with no Node imports`, async () => {
      const report = await bundlePackage(name);
      reports.push(report);
      console.log(`${name}: ${(report.ownGzip / 1024).toFixed(1)} KiB gzipped own code ` +
        `(${(report.ownBytes / 1024).toFixed(1)} KiB minified), ${(report.withDepsGzip / 1024).toFixed(1)} KiB with @daek deps`);
      expect(report.problems).toEqual([]);
      expect(report.ownBytes).toBeGreaterThan(0);
    });
  }
});

afterAll(() => {
  const dir = path.join(ROOT, 'apps/web/test-output');
  mkdirSync(dir, {recursive: true});
  writeFileSync(path.join(dir, 'bundle-sizes.json'), JSON.stringify(reports, null, 1));
});
