// The machine and software a run used, for the protocol block.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';

/** What ran the benchmark. */
export interface MachineInfo {
  /** CPU model. */
  cpu: string;
  /** Logical cores Node sees. */
  cores: number;
  /** Total memory in GiB. */
  memoryGiB: number;
  /** OS and architecture. */
  os: string;
  /** Node.js version. */
  node: string;
  /** tfjs version. */
  tfjs: string;
  /** The active tfjs backend, with its relevant flags. */
  backend: string;
  /** Load average (1 minute) at the start: other jobs on the machine slow the runtime column. */
  loadAverage: number;
}

/** Describe the active tfjs backend: name, and for wasm whether SIMD and threads are on. */
export async function describeBackend(adapter?: string): Promise<string> {
  const name = tf.getBackend();
  if (name === 'wasm') {
    const simd = await flag('WASM_HAS_SIMD_SUPPORT');
    const threads = await flag('WASM_HAS_MULTITHREAD_SUPPORT');
    const onOff = (v: boolean | undefined) => (v === undefined ? '?' : v ? 'on' : 'off');
    const count = threads ? ` x${(tf.backend() as unknown as {wasm?: {tfjs?: {getThreadsCount?(): number}}}).wasm?.tfjs?.getThreadsCount?.() ?? '?'}` : '';
    return `wasm (SIMD ${onOff(simd)}, threads ${onOff(threads)}${count})`;
  }
  if (name === 'webgpu') return adapter ? `webgpu (${adapter})` : 'webgpu';
  return name;
}

async function flag(name: string): Promise<boolean | undefined> {
  try {
    return (await tf.env().getAsync(name)) as boolean;
  } catch {
    return undefined;
  }
}

/** The machine, now. */
export async function machineInfo(adapter?: string): Promise<MachineInfo> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tfjs: tf.version.tfjs,
    backend: await describeBackend(adapter),
    loadAverage: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

/** One line: `AMD EPYC ... (2 cores), 23.4 GiB, Linux 6.1 x64, Node v20.20.2, tfjs 4.22.0, load 1.9`. */
export function formatMachine(m: MachineInfo): string {
  return `${m.cpu} (${m.cores} cores), ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, tfjs ${m.tfjs}, load average ${m.loadAverage} at start`;
}
