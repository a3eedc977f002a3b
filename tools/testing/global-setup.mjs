// Jest global setup: decide once per run whether the webgpu backend can be tested, and tell the
// workers through the environment (DAEK_WEBGPU_ADAPTER). The workers inherit process.env.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync} from 'node:fs';
import os from 'node:os';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Software Vulkan drivers Dawn accepts (see shared/design/backends.md), in order of preference. */
const KNOWN_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json'];

export default async function globalSetup() {
  if (process.env.DAEK_WEBGPU_ADAPTER !== undefined) return;
  const mode = process.env.DAEK_WEBGPU ?? 'auto';
  const requested = (process.env.DAEK_BACKENDS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (mode === 'off' || (requested.length > 0 && !requested.includes('webgpu'))) {
    process.env.DAEK_WEBGPU_ADAPTER = '';
    process.env.DAEK_WEBGPU_REASON = mode === 'off' ? 'DAEK_WEBGPU=off' : `DAEK_BACKENDS=${requested.join(',')}`;
    return;
  }
  // Vulkan loaders complain on every process without it; give them a private runtime dir.
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = mkdtempSync(path.join(os.tmpdir(), 'daek-xdg-'));
  const env = {...process.env};
  if (!env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES) {
    const icd = KNOWN_ICDS.find((f) => existsSync(f));
    if (icd) env.VK_ICD_FILENAMES = icd;
  }
  const probe = spawnSync(process.execPath, [path.join(here, 'webgpu-probe.mjs')], {env, encoding: 'utf8', timeout: 60000});
  const line = (probe.stdout ?? '').trim().split('\n').pop() ?? '';
  let result = {ok: false, reason: `probe failed (${probe.error?.message ?? `exit ${probe.status}`})`};
  try { result = JSON.parse(line); } catch { /* keep the failure above */ }
  if (result.ok) {
    process.env.DAEK_WEBGPU_ADAPTER = result.adapter;
    if (env.VK_ICD_FILENAMES) process.env.VK_ICD_FILENAMES = env.VK_ICD_FILENAMES;
    console.log(`\n[daek] webgpu tests ON: ${result.adapter}`);
  } else {
    if (mode === 'required') throw new Error(`DAEK_WEBGPU=required but no WebGPU adapter: ${result.reason}`);
    process.env.DAEK_WEBGPU_ADAPTER = '';
    process.env.DAEK_WEBGPU_REASON = result.reason;
    console.log(`\n[daek] webgpu tests skipped: ${result.reason}. Install a software Vulkan driver (apt-get install chromium libvulkan1) to run them.`);
  }
}
