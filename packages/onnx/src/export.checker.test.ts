// The ONNX checker (Debian's python3-onnx 1.12: IR version 8, opsets up to 17) accepts every kind of exported graph.
// Skipped, and says so, where /usr/bin/python3 has no onnx module.
import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {DAEK, IFNet, resolveDaekConfig} from '@daek/models';
import {exportOnnx} from './export_onnx.js';
import {readFileSync} from 'node:fs';
import {PACKAGE_VERSION} from './version.js';
import {checkWithOnnx, onnxCheckerAvailable} from '../test/helpers.js';

const available = onnxCheckerAvailable();
const describeChecker = available ? describe : describe.skip;

describeChecker(`onnx.checker.check_model(full_check=True)${available ? '' : ' [skipped: no python3-onnx at /usr/bin/python3]'}`, () => {
  it.each([
    ['daek-s all-pairs float32', {}],
    ['daek-s memory-light float16 phase', {correlation: 'memory-light', precision: 'float16', convTranspose: 'phase'}],
  ] as const)('%s', async (_, options) => {
    await tf.setBackend('cpu');
    const net = new DAEK(resolveDaekConfig('daek-s'));
    try {
      expect(checkWithOnnx(await exportOnnx(net, options))).toMatch(/^ok \S+ 8 17$/);
    } finally {
      net.dispose();
    }
  });

  it('IFNet', async () => {
    await tf.setBackend('cpu');
    const net = new IFNet({teacherWidth: 0});
    try {
      expect(checkWithOnnx(await exportOnnx(net))).toMatch(/^ok \S+ 8 17$/);
    } finally {
      net.dispose();
    }
  });
});

describe('metadata', () => {
  it('writes the package version of package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {version: string};
    expect(PACKAGE_VERSION).toBe(pkg.version);
  });
});
