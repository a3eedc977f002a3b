// Tests import modules of src/ directly, not the package: load the Node entry first so that file access is
// registered, as it is for every Node user of '@daek/onnx'.
import '../src/node.js';
