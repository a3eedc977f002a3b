// Build the playground and serve dist/ with the preview server (COOP/COEP headers), printing one JSON line
// {"url", "buildMs"} once it listens. The browser tests run this as a child process; also handy by hand:
//   node scripts/serve.mjs [--no-build] [--port 4173]
import path from 'node:path';
import {build, preview} from 'vite';

const root = path.resolve(import.meta.dirname, '..');
const configFile = path.join(root, 'vite.config.ts');
const args = process.argv.slice(2);
const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 0;
let buildMs = 0;
if (!args.includes('--no-build')) {
  const start = performance.now();
  await build({root, configFile, logLevel: 'warn'});
  buildMs = Math.round(performance.now() - start);
}
const server = await preview({root, configFile, logLevel: 'warn', preview: {port, host: '127.0.0.1', strictPort: port !== 0}});
const address = server.httpServer.address();
console.log(JSON.stringify({url: `http://127.0.0.1:${address.port}/`, buildMs}));
const stop = () => server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
