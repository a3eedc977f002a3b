'use strict';
// The package is an ES module only: its "require" export condition lands here so that require() fails with
// a message that says what to do, instead of Node's "No exports main defined".
const {name} = require('./package.json');
const error = new Error(
  `${name} is an ES module and cannot be loaded with require(). ` +
  `Use \`import {...} from '${name}'\` in an ES module (package.json "type": "module" or a .mjs file), ` +
  `or \`const lib = await import('${name}')\` from CommonJS.`);
error.code = 'ERR_REQUIRE_ESM';
throw error;
