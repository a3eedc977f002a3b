// daek-export: write a network's inference graph as an .onnx file (Node only; run through bin/daek-export.mjs).
import {rename, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {parseArgs} from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {buildNetwork, DAEK, loadNetworkWeights, shippedWeights, storedModelConfig, type DaekConfig} from '@daek/models';
import {exportOnnx} from './export_onnx.js';
import {readModelInfo} from './runtime/model_info.js';

const USAGE = `usage: daek-export --model <preset|ifnet> --out <file.onnx> [options]

Writes the inference graph (student only) of a DAEK preset or IFNet as ONNX (opset 17).

  --model NAME            daek-s, daek, any DAEK preset, or ifnet (default: what the weights file says)
  --weights SRC           model.json (tfjs format), .pth, or 'random' (default: the weights shipped for the model)
  --out FILE              the .onnx to write (written to a temporary name, then renamed)
  --fp16                  store the weights as float16 (half the size; the graph still computes in float32)
  --correlation MODE      all-pairs | memory-light (default memory-light: faster in ONNX Runtime, linear memory)
  --conv-transpose FORM   native | phase (default native)
  -h, --help              this text`;

/** Run the command with `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({values} = parseArgs({args: argv, options: {
      model: {type: 'string'}, weights: {type: 'string'}, out: {type: 'string'}, fp16: {type: 'boolean'},
      correlation: {type: 'string'}, 'conv-transpose': {type: 'string'}, help: {type: 'boolean', short: 'h'},
    }}));
  } catch (error) {
    process.stderr.write(`daek-export: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.out) {
    process.stderr.write(`daek-export: --out is required.\n${USAGE}\n`);
    return 2;
  }
  const correlation = values.correlation as DaekConfig['correlation'] | undefined;
  if (correlation !== undefined && correlation !== 'all-pairs' && correlation !== 'memory-light') {
    process.stderr.write(`daek-export: --correlation must be all-pairs or memory-light, got ${correlation}.\n`);
    return 2;
  }
  const convTranspose = (values['conv-transpose'] ?? 'native') as 'native' | 'phase';
  if (convTranspose !== 'native' && convTranspose !== 'phase') {
    process.stderr.write(`daek-export: --conv-transpose must be native or phase, got ${convTranspose}.\n`);
    return 2;
  }
  await tf.setBackend('cpu');
  let weights = values.weights ?? (values.model ? await shippedWeights(values.model) : null);
  if (!weights) {
    process.stderr.write(`daek-export: no weights ship for ${values.model ?? '(no --model)'}; pass --weights ` +
      "(a model.json, a .pth, or 'random').\n");
    return 2;
  }
  const stored = weights !== 'random' ? await storedModelConfig(weights) : null;
  const model = values.model ?? stored?.model;
  if (!model) {
    process.stderr.write('daek-export: --model is required for these weights (they do not say which model they are).\n');
    return 2;
  }
  process.stderr.write(`daek-export: building ${model}, weights ${weights}\n`);
  const network = buildNetwork(model, {...(stored?.daekConfig ?? {}), ...(correlation ? {correlation} : {})},
    stored?.ifnetConfig ?? {});
  try {
    if (weights !== 'random') weights = await loadNetworkWeights(network, weights);
    const started = Date.now();
    const bytes = await exportOnnx(network, {precision: values.fp16 ? 'float16' : 'float32', convTranspose,
      model: model === 'rife' ? 'ifnet' : model, ...(network instanceof DAEK && correlation ? {correlation} : {})});
    const info = readModelInfo(bytes);
    const out = path.resolve(values.out);
    const temporary = `${out}.tmp-${process.pid}`;
    await writeFile(temporary, bytes);
    await rename(temporary, out).catch(async (error: unknown) => {
      await rm(temporary, {force: true});
      throw error;
    });
    process.stdout.write(`${out}: ${info.model}, ${(bytes.length / 1e6).toFixed(2)} MB, ${info.precision} weights, ` +
      `opset ${info.opset}, weights sha256 ${info.weightsSha256.slice(0, 16)}, ${Date.now() - started} ms\n`);
    return 0;
  } finally {
    network.dispose();
  }
}
