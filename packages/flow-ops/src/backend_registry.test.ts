// The browser entry's contract: wasm/webgpu start only when registered (by an import or a loader), and the
// errors say what to do. This file imports backend.js alone (not the Node entry), so no loader is registered.
import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {registerBackendLoader, useBackend} from './backend.js';

it('says how to register a backend that is neither imported nor given a loader', async () => {
  await expect(useBackend('wasm')).rejects.toThrow(
    /wasm backend is not registered.*npm install @tensorflow\/tfjs-backend-wasm.*import '@tensorflow\/tfjs-backend-wasm'.*registerBackendLoader/s);
});

it('names the package to install when a loader fails', async () => {
  registerBackendLoader('wasm', () => Promise.reject(new Error('Cannot find module x')));
  await expect(useBackend('wasm')).rejects.toThrow(/needs the npm package '@tensorflow\/tfjs-backend-wasm'.*Cannot find module x.*npm install/s);
});

it('rejects a loader for a backend that is not loaded on demand', () => {
  expect(() => registerBackendLoader('cpu' as never, async () => undefined)).toThrow(/only 'wasm' and 'webgpu'/);
});

it('starts wasm through a registered loader, with the thread count asked for', async () => {
  registerBackendLoader('wasm', () => import('@tensorflow/tfjs-backend-wasm'));
  await expect(useBackend('wasm', {threads: 0})).rejects.toThrow(/threads must be a positive integer, got 0/);
  const info = await useBackend('wasm', {threads: 1});
  expect(info).toEqual({name: 'wasm', threads: 1});
  expect(tf.getBackend()).toBe('wasm');
  // Once running, another thread count cannot apply: say so instead of ignoring it.
  await expect(useBackend('wasm', {threads: 2})).rejects.toThrow(/already runs on 1 thread.*before its first use/);
});
