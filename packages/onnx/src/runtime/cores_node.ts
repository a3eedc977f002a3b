// Node only (loaded dynamically): the number of physical CPU cores, the default intra-op thread count.
import {readFileSync} from 'node:fs';
import os from 'node:os';

/**
 * Physical cores: distinct (physical id, core id) pairs of /proc/cpuinfo on Linux (hyperthreads share a core),
 * else the logical CPU count. A VM's vCPUs count as cores (2 on the project's CI machine).
 */
export function physicalCores(): number {
  const logical = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  if (process.platform !== 'linux') return Math.max(1, logical);
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const cores = new Set<string>();
    for (const block of text.split(/\n\s*\n/)) {
      const physical = /physical id\s*:\s*(\d+)/.exec(block)?.[1];
      const core = /core id\s*:\s*(\d+)/.exec(block)?.[1];
      if (physical !== undefined && core !== undefined) cores.add(`${physical}:${core}`);
    }
    return Math.max(1, Math.min(logical, cores.size || logical));
  } catch {
    return Math.max(1, logical);
  }
}
