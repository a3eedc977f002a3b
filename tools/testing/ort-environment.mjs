// A jest environment for tests that run onnxruntime-node (packages/onnx, apps/interp): jest runs tests in a vm
// context whose typed-array constructors differ from Node's main realm. onnxruntime-node builds output tensors from
// main-realm Float32Arrays and onnxruntime-common checks them with `instanceof` against the context's constructor
// ("A float32 tensor's data must be type of function Float32Array()"). Give the context the main realm's typed
// arrays and ArrayBuffer so that both sides agree.
import {TestEnvironment} from 'jest-environment-node';

const SHARED = ['ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Float32Array', 'Float64Array', 'Int8Array', 'Int16Array',
  'Int32Array', 'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];

export default class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}
