// The webgpu decision of the jest global setup (issue 13 item 19): where a Vulkan driver is installed, a probe
// that fails under load is retried and then fails the run; it never turns into silently skipped tests.
import {describe, expect, it} from '@jest/globals';
// @ts-expect-error: a plain .mjs module without type declarations.
import {decideWebgpu, installedDriver} from '../../global-setup.mjs';

type Probe = {ok: true; adapter: string} | {ok: false; reason: string};
/** A fake probe answering `answers` in turn; records how often it ran. */
function fakeProbe(...answers: Probe[]) {
  const probe = async () => { probe.calls++; return answers[Math.min(probe.calls - 1, answers.length - 1)]!; };
  probe.calls = 0;
  return probe;
}
const fail: Probe = {ok: false, reason: 'requestAdapter() returned null'};
const ok: Probe = {ok: true, adapter: 'Google / swiftshader'};
const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

describe('decideWebgpu', () => {
  it('retries a failing probe where a driver is installed, and uses the adapter it then finds', async () => {
    const probe = fakeProbe(fail, fail, ok);
    const decision = await decideWebgpu({env: {}, probe, driver: ICD, attempts: 3, delayMs: 1});
    expect(decision).toEqual({adapter: 'Google / swiftshader', icd: ICD, attempts: 3});
    expect(probe.calls).toBe(3);
  });

  it('fails the run, never skips, when a driver is installed and no adapter comes', async () => {
    const probe = fakeProbe(fail);
    await expect(decideWebgpu({env: {}, probe, driver: ICD, attempts: 3, delayMs: 1}))
      .rejects.toThrow(/a Vulkan driver is installed \(.*vk_swiftshader_icd\.json\), but no WebGPU adapter after 3 attempt\(s\): requestAdapter\(\) returned null\. .*DAEK_WEBGPU=off/);
    expect(probe.calls).toBe(3);
  });

  it('skips, saying why, where no driver is installed', async () => {
    const probe = fakeProbe(fail);
    expect(await decideWebgpu({env: {}, probe, driver: null, attempts: 3, delayMs: 1})).toEqual({skip: fail.reason});
    expect(probe.calls).toBe(1);
  });

  it('honours DAEK_WEBGPU=off, DAEK_BACKENDS and DAEK_WEBGPU=required', async () => {
    const probe = fakeProbe(fail);
    expect(await decideWebgpu({env: {DAEK_WEBGPU: 'off'}, probe, driver: ICD})).toEqual({skip: 'DAEK_WEBGPU=off'});
    expect(await decideWebgpu({env: {DAEK_BACKENDS: 'cpu,wasm'}, probe, driver: ICD})).toEqual({skip: 'DAEK_BACKENDS=cpu,wasm'});
    expect(probe.calls).toBe(0);
    await expect(decideWebgpu({env: {DAEK_WEBGPU: 'required'}, probe, driver: null, attempts: 2, delayMs: 1}))
      .rejects.toThrow(/DAEK_WEBGPU=required, but no WebGPU adapter after 2 attempt/);
    await expect(decideWebgpu({env: {DAEK_WEBGPU: 'yes'}, probe, driver: null})).rejects.toThrow(/expected auto, off or required/);
  });

  it('finds the driver from VK_ICD_FILENAMES before the known locations', () => {
    expect(installedDriver({VK_ICD_FILENAMES: '/nonexistent.json'}, [])).toBeNull();
    expect(installedDriver({}, ['/nonexistent.json'])).toBeNull();
    expect(installedDriver({VK_ICD_FILENAMES: import.meta.filename}, [])).toBe(import.meta.filename);
  });
});
