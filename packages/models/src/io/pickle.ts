// A pickle virtual machine for the subset of Python's pickle format that torch checkpoints use. It never runs
// code: globals resolve through a whitelist the caller passes (anything else becomes an inert PyGlobal), and
// REDUCE/BUILD only call those whitelisted JavaScript functions.

/** A Python global (`module.name`) that the caller did not resolve: kept as an inert value. */
export class PyGlobal {
  /** Python module (`numpy.core.multiarray`). */
  readonly module: string;
  /** Name in the module (`scalar`). */
  readonly name: string;

  constructor(module: string, name: string) {
    this.module = module;
    this.name = name;
  }

  /** `module.name`. */
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** The result of calling (REDUCE / NEWOBJ) a global the caller did not resolve: an inert record. */
export class PyObject {
  /** The global that was called. */
  readonly callable: PyGlobal;
  /** Its arguments. */
  readonly args: unknown[];
  /** What BUILD set (`__setstate__`), if anything. */
  state: unknown;

  constructor(callable: PyGlobal, args: unknown[], state: unknown = undefined) {
    this.callable = callable;
    this.args = args;
    this.state = state;
  }
}

/** A global resolved by the caller: REDUCE calls `call(args)`. */
export interface PyCallable {
  /** Name for messages. */
  readonly qualifiedName: string;
  /** What REDUCE / NEWOBJ returns. */
  call(args: unknown[]): unknown;
}

/** Hooks of {@link unpickle}. */
export interface UnpickleHooks {
  /** Resolve `module.name` to a value (a {@link PyCallable} for functions and classes); undefined keeps a {@link PyGlobal}. */
  findClass?(module: string, name: string): unknown;
  /** Resolve a persistent id (BINPERSID). Required when the pickle uses them. */
  persistentLoad?(pid: unknown): unknown;
}

/** Result of {@link unpickle}. */
export interface UnpickleResult {
  /** The unpickled object. Python dicts are Maps, lists and tuples arrays, ints numbers (BigInt past 2^53). */
  value: unknown;
  /** Offset just after the STOP opcode (where a following pickle starts). */
  end: number;
}

/** Names of every pickle opcode, so that unsupported ones are named in errors. */
const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT',
  0x4a: 'BININT', 0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID',
  0x52: 'REDUCE', 0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE',
  0x61: 'APPEND', 0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET',
  0x68: 'BINGET', 0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT',
  0x71: 'BINPUT', 0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS',
  0x47: 'BINFLOAT', 0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1',
  0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4',
  0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE',
  0x95: 'FRAME', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

/** The name of a pickle opcode byte (`0x69` -> `INST`), or its hex value when it is not an opcode. */
export function opcodeName(code: number): string {
  return OPCODE_NAMES[code] ?? `unknown opcode 0x${code.toString(16).padStart(2, '0')}`;
}

/** Two's-complement little-endian integer of `bytes` (LONG1 / LONG4): a number when safe, else a BigInt. */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(8 * bytes.length);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function isCallable(value: unknown): value is PyCallable {
  return typeof value === 'object' && value !== null && typeof (value as PyCallable).call === 'function' &&
    typeof (value as PyCallable).qualifiedName === 'string';
}

/**
 * Run the pickle at `bytes[start..]` up to its STOP opcode.
 * @param source name of the input for messages.
 * @throws Error naming the opcode for unsupported opcodes (INST, OBJ, EXT*, buffers, text STRING...) and for
 * malformed input (stack underflow, missing MARK, unknown memo key, data running past the end).
 */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks = {}, source = 'pickle', start = 0): UnpickleResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', {fatal: true});
  const latin1 = new TextDecoder('latin1');
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();
  let p = start;
  let opcodeAt = start;

  const fail = (message: string, where = true): never => {
    const at = where ? ` (at byte ${opcodeAt}, opcode ${opcodeName(bytes[opcodeAt] ?? -1)})` : ` (at byte ${opcodeAt})`;
    throw new Error(`${source}: ${message}${at}.`);
  };
  const need = (n: number): void => {
    if (p + n > bytes.length) fail(`the pickle is truncated: ${n} more bytes needed, ${bytes.length - p} left`);
  };
  const u8 = (): number => { need(1); return bytes[p++]!; };
  const u16 = (): number => { need(2); const v = view.getUint16(p, true); p += 2; return v; };
  const u32 = (): number => { need(4); const v = view.getUint32(p, true); p += 4; return v; };
  const i32 = (): number => { need(4); const v = view.getInt32(p, true); p += 4; return v; };
  const u64 = (): number => {
    need(8);
    const v = view.getUint32(p, true) + view.getUint32(p + 4, true) * 2 ** 32;
    p += 8;
    if (v > bytes.length) fail(`length ${v} exceeds the data`);
    return v;
  };
  const take = (n: number): Uint8Array => { need(n); const out = bytes.subarray(p, p + n); p += n; return out; };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, p);
    if (end < 0) fail('the pickle is truncated: a text argument has no newline');
    const text = latin1.decode(bytes.subarray(p, end));
    p = end + 1;
    return text;
  };
  const text = (n: number): string => {
    const raw = take(n);
    try {
      return utf8.decode(raw);
    } catch {
      return fail('a string is not valid UTF-8');
    }
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow (the pickle is corrupt)');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow (the pickle is corrupt)');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const previous = metastack.pop();
    if (!previous) fail('no MARK to pop to (the pickle is corrupt)');
    stack = previous!;
    return items;
  };
  const resolveGlobal = (module: string, name: string): unknown => hooks.findClass?.(module, name) ?? new PyGlobal(module, name);
  const call = (callable: unknown, args: unknown): unknown => {
    if (!Array.isArray(args)) fail('REDUCE arguments are not a tuple');
    if (isCallable(callable)) {
      try {
        return callable.call(args as unknown[]);
      } catch (error) {
        return fail(`${callable.qualifiedName}: ${(error as Error).message}`);
      }
    }
    if (callable instanceof PyGlobal) return new PyObject(callable, args as unknown[]);
    return fail('REDUCE on a value that is not a global');
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof Map)) fail('SETITEM(S) on a value that is not a dict');
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (target as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]): void => {
    if (!Array.isArray(target)) fail('APPEND(S) on a value that is not a list');
    (target as unknown[]).push(...items);
  };
  const memoGet = (key: number): unknown => {
    if (!memo.has(key)) fail(`memo key ${key} was never stored (the pickle is corrupt)`);
    return memo.get(key);
  };

  for (;;) {
    opcodeAt = p;
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const protocol = u8();
        if (protocol > 5) fail(`pickle protocol ${protocol} is newer than protocol 5`);
        break;
      }
      case 0x95: take(8); break; // FRAME: a length hint only
      case 0x2e: return {value: pop(), end: p}; // STOP
      case 0x28: metastack.push(stack); stack = []; break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(decodeLong(take(u8()))); break; // LONG1
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) fail('negative LONG4 length');
        stack.push(decodeLong(take(n)));
        break;
      }
      case 0x49: { // INT (text): also True / False in protocol 0
        const t = line();
        if (t === '01') stack.push(true);
        else if (t === '00') stack.push(false);
        else {
          const v = Number.parseInt(t, 10);
          if (!Number.isFinite(v)) fail(`bad INT ${JSON.stringify(t)}`);
          stack.push(v);
        }
        break;
      }
      case 0x4c: { // LONG (text)
        const t = line().replace(/L$/, '');
        if (!/^-?\d+$/.test(t)) fail(`bad LONG ${JSON.stringify(t)}`);
        const v = BigInt(t);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: { need(8); stack.push(view.getFloat64(p, false)); p += 8; break; } // BINFLOAT (big-endian)
      case 0x46: { // FLOAT (text)
        const v = Number(line());
        if (Number.isNaN(v)) fail('bad FLOAT');
        stack.push(v);
        break;
      }
      case 0x58: stack.push(text(u32())); break; // BINUNICODE
      case 0x8c: stack.push(text(u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(text(u64())); break; // BINUNICODE8
      case 0x54: { // BINSTRING (Python 2 str): latin-1
        const n = i32();
        if (n < 0) fail('negative BINSTRING length');
        stack.push(latin1.decode(take(n)));
        break;
      }
      case 0x55: stack.push(latin1.decode(take(u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(new Uint8Array(take(u32()))); break; // BINBYTES (a copy)
      case 0x43: stack.push(new Uint8Array(take(u8()))); break; // SHORT_BINBYTES
      case 0x8e: stack.push(new Uint8Array(take(u64()))); break; // BINBYTES8
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x74: { const items = popMark(); stack.push(items); break; } // TUPLE (popMark replaces `stack`)
      case 0x6c: { const items = popMark(); stack.push(items); break; } // LIST
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c]); break; } // TUPLE3
      case 0x64: { const items = popMark(); const d = new Map(); setItems(d, items); stack.push(d); break; } // DICT
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x70: { // PUT (text)
        const key = Number.parseInt(line(), 10);
        if (!Number.isFinite(key)) fail('bad PUT key');
        memo.set(key, top());
        break;
      }
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      case 0x67: stack.push(memoGet(Number.parseInt(line(), 10))); break; // GET (text)
      case 0x63: { // GLOBAL: "module\nname\n"
        const module = line();
        const name = line();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL operands are not strings');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: { const args = pop(); const callable = pop(); stack.push(call(callable, args)); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); stack.push(call(cls, args)); break; } // NEWOBJ
      case 0x62: { // BUILD: setstate. Dicts (OrderedDict's _metadata) and inert objects keep or ignore it.
        const state = pop();
        const target = top();
        if (target instanceof PyObject) target.state = state;
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!hooks.persistentLoad) fail('the pickle has a persistent id but the reader has no storage for it');
        stack.push(hooks.persistentLoad!(pid));
        break;
      }
      default:
        fail(OPCODE_NAMES[op] ? `unsupported pickle opcode ${OPCODE_NAMES[op]} (torch checkpoints do not use it)` :
          `byte 0x${op.toString(16).padStart(2, '0')} is not a pickle opcode: the data is corrupt`, false);
    }
  }
}
