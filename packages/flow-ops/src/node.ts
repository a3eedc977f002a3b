// The Node entry of @daek/flow-ops (the "node" export condition): everything of the browser entry, plus loaders
// that let useBackend('wasm') and useBackend('webgpu') import their packages on demand, as Node users expect.
import {registerNodeBackendLoaders} from './backend_node.js';

export * from './index.js';
export {registerNodeBackendLoaders} from './backend_node.js';

registerNodeBackendLoaders();
