// Print each package's browser bundle size (the numbers in the package READMEs): npm run bundle-sizes -w apps/web
import {register} from 'tsx/esm/api';

register();
const {bundlePackage, workspacePackages} = await import('../test/browser_bundle.ts');
for (const {name} of workspacePackages()) {
  const r = await bundlePackage(name);
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`${name}: ${kib(r.ownGzip)} gzipped (${kib(r.ownBytes)} minified) own code; ${kib(r.withDepsGzip)} gzipped ` +
    `with its @daek dependencies; tfjs excluded${r.problems.length ? `\n  PROBLEMS:\n  ${r.problems.join('\n  ')}` : ''}`);
}
