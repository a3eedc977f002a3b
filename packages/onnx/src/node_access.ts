// The one place the browser-clean code of @daek/onnx reaches Node: a registry the Node entry (node.ts) fills with
// file reading and the physical core count. Browser bundles never import a Node built-in.

/** What @daek/onnx needs from Node. */
export interface NodeAccess {
  /** Read a file's bytes (`node:fs/promises` readFile). */
  readFile(path: string): Promise<Uint8Array>;
  /** `fileURLToPath` of `node:url`. */
  fileURLToPath(url: string | URL): string;
  /** `existsSync` of `node:fs`. */
  existsSync(path: string): boolean;
  /** Physical CPU cores (the default intra-op thread count of onnxruntime-node). */
  physicalCores(): number;
}

let registered: NodeAccess | null = null;

/** Install Node access (done by the package's `node` entry when it loads). */
export function registerNodeAccess(access: NodeAccess): void {
  registered = access;
}

/** Node access, or an error naming what needed it and what to do. */
export function nodeAccess(what: string): NodeAccess {
  if (registered) return registered;
  throw new Error(`${what} needs Node file access, which @daek/onnx's Node entry provides: in Node import '@daek/onnx' ` +
    '(Node picks its "node" export condition) or \'@daek/onnx/node\'; in a browser pass the model as bytes or a URL.');
}
