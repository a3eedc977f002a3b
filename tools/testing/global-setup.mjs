// Jest global setup: decide once per run whether the webgpu backend is tested, and tell the workers through
// the environment (DAEK_WEBGPU_ADAPTER, DAEK_WEBGPU_REASON). The workers inherit process.env, and so do the
// projects tools/scripts/test-all.mjs starts after deciding once for all of them.
//
// DAEK_WEBGPU=off never tests webgpu; =required fails without an adapter; =auto (default) tests it when an
// adapter is found. Where a Vulkan driver is installed, auto means required: an adapter probe that fails under
// load is retried, then the run fails. It never skips the webgpu tests silently on a machine that can run them.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync} from 'node:fs';
import os from 'node:os';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Software Vulkan drivers Dawn accepts, in order of preference (Chromium's SwiftShader). */
export const KNOWN_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json'];
/** Probe attempts where a driver is installed, and the pause between them. */
export const PROBE_ATTEMPTS = 3;
export const PROBE_RETRY_DELAY_MS = 3000;

/** The Vulkan driver manifest this run would use: VK_ICD_FILENAMES / VK_DRIVER_FILES, else a known one; or null. */
export function installedDriver(env = process.env, known = KNOWN_ICDS) {
  const given = env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES;
  if (given) return given.split(path.delimiter).find((f) => existsSync(f)) ?? null;
  return known.find((f) => existsSync(f)) ?? null;
}

/** One adapter probe in a child process (a hung or crashing driver stays away from jest): {ok, adapter|reason}. */
export function runProbe(env) {
  const probe = spawnSync(process.execPath, [path.join(here, 'webgpu-probe.mjs')], {env, encoding: 'utf8', timeout: 60000});
  const line = (probe.stdout ?? '').trim().split('\n').pop() ?? '';
  try { return JSON.parse(line); } catch { /* below */ }
  return {ok: false, reason: `probe failed (${probe.error?.message ?? `exit ${probe.status}`})`};
}

/**
 * Decide whether webgpu is tested. Returns {adapter} or {skip: reason}; throws when webgpu is required (asked
 * for, or a driver is installed) and no adapter was found after the retries.
 */
export async function decideWebgpu({env = process.env, probe = runProbe, driver = installedDriver(env),
  attempts = PROBE_ATTEMPTS, delayMs = PROBE_RETRY_DELAY_MS} = {}) {
  const mode = env.DAEK_WEBGPU ?? 'auto';
  if (!['auto', 'off', 'required'].includes(mode)) {
    throw new Error(`DAEK_WEBGPU=${mode}: expected auto, off or required`);
  }
  const requested = (env.DAEK_BACKENDS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (mode === 'off') return {skip: 'DAEK_WEBGPU=off'};
  if (requested.length > 0 && !requested.includes('webgpu')) return {skip: `DAEK_BACKENDS=${requested.join(',')}`};
  const required = mode === 'required' || driver !== null;
  const probeEnv = {...env};
  if (driver && !probeEnv.VK_ICD_FILENAMES && !probeEnv.VK_DRIVER_FILES) probeEnv.VK_ICD_FILENAMES = driver;
  const reasons = [];
  for (let attempt = 1; attempt <= (required ? attempts : 1); attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const result = await probe(probeEnv);
    if (result.ok) return {adapter: result.adapter, icd: probeEnv.VK_ICD_FILENAMES, attempts: attempt};
    reasons.push(result.reason);
  }
  const reason = reasons.at(-1);
  if (!required) return {skip: reason};
  const why = mode === 'required' ? 'DAEK_WEBGPU=required' : `a Vulkan driver is installed (${driver})`;
  throw new Error(`webgpu tests required because ${why}, but no WebGPU adapter after ${reasons.length} ` +
    `attempt(s): ${[...new Set(reasons)].join('; ')}. Fix the driver, or run with DAEK_WEBGPU=off to test without webgpu.`);
}

export default async function globalSetup() {
  if (process.env.DAEK_WEBGPU_ADAPTER !== undefined) return;
  // Vulkan loaders complain on every process without it; give them a private runtime dir.
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = mkdtempSync(path.join(os.tmpdir(), 'daek-xdg-'));
  const decision = await decideWebgpu();
  if (decision.adapter) {
    process.env.DAEK_WEBGPU_ADAPTER = decision.adapter;
    if (decision.icd) process.env.VK_ICD_FILENAMES = decision.icd;
    const retried = decision.attempts > 1 ? ` (adapter found on attempt ${decision.attempts})` : '';
    console.log(`\n[daek] webgpu tests ON: ${decision.adapter}${retried}`);
  } else {
    process.env.DAEK_WEBGPU_ADAPTER = '';
    process.env.DAEK_WEBGPU_REASON = decision.skip;
    const hint = decision.skip.startsWith('DAEK_') ? '' : '. Install a software Vulkan driver (apt-get install chromium libvulkan1) to run them';
    console.log(`\n[daek] webgpu tests skipped: ${decision.skip}${hint}.`);
  }
}
