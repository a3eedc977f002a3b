// The jest environment for daek-interp's tests (the same fix as packages/onnx/test/ort-environment.mjs): jest runs
// tests in a vm context whose typed-array constructors differ from Node's main realm, and onnxruntime-node's output
// tensors (main-realm Float32Arrays) fail onnxruntime-common's `instanceof` check in that context. The context gets
// the main realm's typed arrays and ArrayBuffer, so both sides agree.
import {TestEnvironment} from 'jest-environment-node';

const SHARED = ['ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Float32Array', 'Float64Array', 'Int8Array', 'Int16Array',
  'Int32Array', 'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];

export default class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}
