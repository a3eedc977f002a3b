// The daek-export entry point (bin/daek-export.mjs runs this file).
import {main} from './cli.js';

process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`daek-export: ${(error as Error).message}\n`);
  return 1;
});
