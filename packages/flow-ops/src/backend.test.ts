import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends} from '@daek/testing';
import {useBackend} from './backend.js';

describeWithBackends('useBackend', (backend) => {
  it('selects the backend', () => {
    expect(tf.getBackend()).toBe(backend);
  });
});

it('rejects an unknown backend with the list of valid ones', async () => {
  await expect(useBackend('tpu' as never)).rejects.toThrow(/Unknown backend 'tpu'. Use one of: cpu, wasm, webgpu, webgl/);
});
