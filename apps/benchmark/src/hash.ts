// sha256 of a weights file or folder, for the protocol block: a reader can tell which weights produced a number.
import {createHash} from 'node:crypto';
import {createReadStream, readdirSync, statSync} from 'node:fs';
import path from 'node:path';

async function hashInto(hash: ReturnType<typeof createHash>, file: string): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/**
 * sha256 (hex) of a file, or of a folder (tfjs weights: model.json plus shards): the hash of every file's
 * relative path and bytes, in sorted order.
 *
 * @throws Error naming the path when it does not exist.
 */
export async function sha256Of(target: string): Promise<string> {
  let stat;
  try {
    stat = statSync(target);
  } catch {
    throw new Error(`weights not found: ${target}`);
  }
  const hash = createHash('sha256');
  if (stat.isDirectory()) {
    for (const file of filesUnder(target)) {
      hash.update(`${path.relative(target, file).split(path.sep).join('/')}\0`);
      await hashInto(hash, file);
    }
  } else {
    await hashInto(hash, target);
  }
  return hash.digest('hex');
}
