export {CPU_BACKENDS, describeWithBackends, testedBackends, webgpuSkipReason} from './backends.js';
export type {DescribeBackendsOptions} from './backends.js';
export {parseNpy, readNpy} from './npy.js';
export type {NpyArray, NpyData} from './npy.js';
export {expectClose, maxAbsDiff} from './expect.js';
export {expectNoLeaks} from './leaks.js';
export {npyNHWC, npyTensor} from './fixtures.js';
export {formulaFor, formulaTensor, hash32} from './weights.js';
export type {FormulaKind, StateDictEntry} from './weights.js';
