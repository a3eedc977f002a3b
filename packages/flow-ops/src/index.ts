export {useBackend} from './backend.js';
export type {BackendInfo, BackendName} from './backend.js';
