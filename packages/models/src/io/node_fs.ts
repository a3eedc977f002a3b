// The one place the browser-clean code of @daek/models reaches the file system: a registry the Node entry
// (node.ts) fills with node:fs and node:url. Browser bundles never import a Node built-in; file paths there
// fail with an error that says to pass a URL instead.

/** What @daek/models needs from Node to read and write weight files. */
export interface NodeFileSystem {
  /** `node:fs/promises`. */
  fs: typeof import('node:fs/promises');
  /** `existsSync` of `node:fs`. */
  existsSync(path: string): boolean;
  /** `fileURLToPath` of `node:url`. */
  fileURLToPath(url: URL | string): string;
}

let registered: NodeFileSystem | null = null;

/** Install Node's file system (done by the package's `node` entry when it loads). */
export function registerNodeFileSystem(fileSystem: NodeFileSystem): void {
  registered = fileSystem;
}

/** True when running in Node (file paths are then accepted wherever a weights location is). */
export function isNode(): boolean {
  const p = (globalThis as {process?: {versions?: {node?: string}}}).process;
  return typeof p?.versions?.node === 'string';
}

/** Node's file system, or an error naming `what` needed it and what to do instead. */
export function nodeFileSystem(what: string): NodeFileSystem {
  if (registered) return registered;
  throw new Error(isNode() ?
    `${what} needs file access, which @daek/models' Node entry provides: import from '@daek/models' (Node picks ` +
      'its "node" export condition) or from \'@daek/models/node\', not from a browser bundle of the package.' :
    `${what} is a file path, which needs Node. In a browser pass a URL (http(s):// or relative to the page), ` +
      'a tf.io.IOHandler (tf.io.browserFiles for picked files) or the bytes.');
}
