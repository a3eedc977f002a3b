// Test-only helpers: fixture-style weights, reference outputs from the tfjs network, ONNX Runtime runs.
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {formulaTensor, type FormulaKind} from '@daek/testing';
import type {DAEK, IFNet} from '@daek/models';
import {createOnnxSession} from '../src/runtime/session.js';

/**
 * Set every tensor of a network by the fixtures' closed-form formula (tools/testing weights.ts): tensor p of the
 * store's declaration order, its kind from the declared role (MRB convolutions use the fixtures' gain-1 kind).
 */
export function setFixtureWeights(network: DAEK | IFNet): void {
  network.store.entries().forEach(({spec}, p) => {
    const numel = spec.torchShape.reduce((a, b) => a * b, 1);
    let kind = spec.role as FormulaKind;
    if (kind === 'conv_weight' && /^mrb/.test(spec.name)) kind = 'mrb_conv_weight';
    network.store.assignTorch(spec.name, formulaTensor(p, kind, numel, spec.fanIn));
  });
}

/** Two deterministic `[B,H,W,3]` frames in [0,1] with structure (smooth shapes moving), NHWC. */
export function testFrames(batch: number, height: number, width: number): [tf.Tensor4D, tf.Tensor4D] {
  const make = (shift: number) => {
    const data = new Float32Array(batch * height * width * 3);
    for (let b = 0; b < batch; b++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          for (let c = 0; c < 3; c++) {
            const u = (x + shift * (1 + b)) / width;
            const v = y / height;
            data[((b * height + y) * width + x) * 3 + c] =
              0.5 + 0.4 * Math.sin(6.3 * u * (c + 1) + 3.1 * v) * Math.cos(4.7 * v - 2.1 * u * c);
          }
        }
      }
    }
    return tf.tensor4d(data, [batch, height, width, 3]);
  };
  return [make(0), make(3)];
}

/** NHWC tensor -> NCHW host data. */
export function nchw(x: tf.Tensor4D): Float32Array {
  return tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array);
}

/** Max |a − b|. */
export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** The tfjs reference (frame, final flow, final mask) as NCHW host arrays. */
export function tfjsReference(network: DAEK | IFNet, img0: tf.Tensor4D, img1: tf.Tensor4D,
    correlation?: 'all-pairs' | 'memory-light') {
  return tf.tidy(() => {
    const out = network.forward(img0, img1, correlation ? {correlation} : {});
    return {merged: nchw(out.output), flow: nchw(out.flows[2]!), mask: nchw(out.masks[2]!)};
  });
}

/** Run model bytes on onnxruntime-node (1 thread) on NHWC frames. */
export async function runOnnx(bytes: Uint8Array, img0: tf.Tensor4D, img1: tf.Tensor4D) {
  const session = await createOnnxSession(bytes, {threads: 1, runtime: 'node'});
  try {
    const [batch, height, width] = img0.shape;
    return await session.run(nchw(img0), nchw(img1), {batch, height, width});
  } finally {
    await session.release();
  }
}

/** Whether Debian's python3-onnx is present (the checker test runs only then). */
export function onnxCheckerAvailable(): boolean {
  if (!existsSync('/usr/bin/python3')) return false;
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx'], {stdio: 'ignore'});
    return true;
  } catch {
    return false;
  }
}

/** Run onnx.checker.check_model(full_check=True) on model bytes; returns the checker's report line. */
export function checkWithOnnx(bytes: Uint8Array): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daek-onnx-check-'));
  try {
    const file = path.join(dir, 'model.onnx');
    writeFileSync(file, bytes);
    return execFileSync('/usr/bin/python3', ['-c', [
      'import sys, onnx',
      'm = onnx.load(sys.argv[1])',
      'onnx.checker.check_model(m, full_check=True)',
      'print("ok", onnx.__version__, m.ir_version, m.opset_import[0].version)',
    ].join('\n'), file], {encoding: 'utf8'}).trim();
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}
