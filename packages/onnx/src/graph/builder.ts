// A small ONNX graph builder: unique value names, initializers, one helper per node, and Shape-based sizes so
// that height and width stay dynamic. Every exporter module writes its part of the graph through it.
import {encodeFloat16} from '@daek/models';
import {DataType, onnx, type OnnxTypes} from '../proto.js';

/** An attribute value, tagged with its ONNX type (ONNX cannot tell 2 from 2.0). */
export type Attr = {
  /** FLOAT. */
  f: number;
} | {
  /** INT. */
  i: number;
} | {
  /** STRING. */
  s: string;
} | {
  /** INTS. */
  ints: readonly number[];
} | {
  /** FLOATS. */
  floats: readonly number[];
};

/** Attribute helpers. */
export const A = {
  /** A FLOAT attribute. */
  f: (f: number): Attr => ({f}),
  /** An INT attribute. */
  i: (i: number): Attr => ({i}),
  /** A STRING attribute. */
  s: (s: string): Attr => ({s}),
  /** An INTS attribute. */
  ints: (ints: readonly number[]): Attr => ({ints}),
};

function attribute(name: string, value: Attr): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('f' in value) return {name, type: T.FLOAT, f: value.f};
  if ('i' in value) return {name, type: T.INT, i: value.i};
  if ('s' in value) return {name, type: T.STRING, s: new TextEncoder().encode(value.s)};
  if ('ints' in value) return {name, type: T.INTS, ints: [...value.ints]};
  return {name, type: T.FLOATS, floats: [...value.floats]};
}

/** How float weights are stored: float32, or float16 with a Cast back to float32 inside the graph. */
export type WeightStorage = 'float32' | 'float16';

function bytesOf(view: ArrayBufferView): Uint8Array {
  // onnx raw_data is little endian; every platform ONNX Runtime and browsers run on is.
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

/** Builds one ONNX graph. Value names are unique; call {@link GraphBuilder.graph} at the end. */
export class GraphBuilder {
  /** The nodes, in topological order (the order they were added). */
  readonly nodes: OnnxTypes.INodeProto[] = [];
  /** The initializers (weights and constants). */
  readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();
  /** Cache for values derived once per graph (coordinate grids, sizes), keyed by the caller. */
  readonly memo = new Map<string, string>();

  /** @param storage how float weights are stored (float16 halves the file; the graph computes in float32). */
  constructor(readonly storage: WeightStorage = 'float32') {}

  /** A fresh value name starting with `prefix`. */
  name(prefix: string): string {
    const base = prefix.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'v';
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Reserve a name given from outside (graph inputs and outputs). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`GraphBuilder: the name ${name} is already used.`);
    this.used.add(name);
    return name;
  }

  /**
   * A float weight initializer (float32, or float16 plus a Cast to float32 when the builder stores float16).
   * Returns the name of a float32 value.
   */
  weight(prefix: string, values: Float32Array, dims: readonly number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== values.length) throw new Error(`GraphBuilder: ${prefix} has ${values.length} values for dims [${dims}].`);
    if (this.storage === 'float16') {
      const raw = this.name(`${prefix}_f16`);
      this.initializers.push({name: raw, dims: [...dims], dataType: DataType.FLOAT16, rawData: bytesOf(encodeFloat16(values))});
      return this.op('Cast', [raw], {to: A.i(DataType.FLOAT)}, prefix);
    }
    const name = this.name(prefix);
    this.initializers.push({name, dims: [...dims], dataType: DataType.FLOAT, rawData: bytesOf(values)});
    return name;
  }

  /** A small float32 constant (never stored as float16: sizes, offsets, scales), shared by value. */
  floats(values: readonly number[] | Float32Array, dims: readonly number[] = [values.length]): string {
    const key = `f:${dims.join('x')}:${Array.from(values).join(',')}`;
    const found = this.constants.get(key);
    if (found) return found;
    const name = this.name('const_f');
    this.initializers.push({name, dims: [...dims], dataType: DataType.FLOAT, rawData: bytesOf(Float32Array.from(values))});
    this.constants.set(key, name);
    return name;
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.floats([value], []);
  }

  /** An int64 constant (shapes, axes, indices), shared by value. */
  ints(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i:${dims.join('x')}:${values.join(',')}`;
    const found = this.constants.get(key);
    if (found) return found;
    const name = this.name('const_i');
    this.initializers.push({name, dims: [...dims], dataType: DataType.INT64,
      rawData: bytesOf(BigInt64Array.from(values.map((v) => BigInt(v))))});
    this.constants.set(key, name);
    return name;
  }

  /** Add a node with one output; returns the output's name. */
  op(type: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, prefix = type): string {
    return this.opN(type, inputs, 1, attrs, prefix)[0]!;
  }

  /** Add a node with `outputs` outputs; returns their names. */
  opN(type: string, inputs: readonly string[], outputs: number, attrs: Record<string, Attr> = {}, prefix = type): string[] {
    const names = Array.from({length: outputs}, (_, k) => this.name(outputs === 1 ? prefix : `${prefix}_${k}`));
    this.nodes.push({
      opType: type, name: this.name(`node_${prefix}`), input: [...inputs], output: names,
      attribute: Object.entries(attrs).map(([key, value]) => attribute(key, value)),
    });
    return names;
  }

  /** Rename a value to a fixed graph-output name (an Identity node). */
  output(value: string, name: string): string {
    this.reserve(name);
    this.nodes.push({opType: 'Identity', name: this.name(`node_${name}`), input: [value], output: [name]});
    return name;
  }

  // ---- common ops ----

  /** `a + b`. */
  add(a: string, b: string): string { return this.op('Add', [a, b]); }
  /** `a - b`. */
  sub(a: string, b: string): string { return this.op('Sub', [a, b]); }
  /** `a * b`. */
  mul(a: string, b: string): string { return this.op('Mul', [a, b]); }
  /** `a / b`. */
  div(a: string, b: string): string { return this.op('Div', [a, b]); }
  /** Concatenate along `axis`. */
  concat(values: readonly string[], axis: number): string {
    return values.length === 1 ? values[0]! : this.op('Concat', values, {axis: A.i(axis)});
  }
  /** Channels [start, end) of an NCHW value (static channel bounds). */
  channels(x: string, start: number, end: number): string {
    return this.op('Slice', [x, this.ints([start]), this.ints([end]), this.ints([1])]);
  }
  /** Reshape with a shape value (0 copies a dimension, -1 infers one). */
  reshape(x: string, shape: string): string { return this.op('Reshape', [x, shape]); }
  /** Transpose. */
  transpose(x: string, perm: readonly number[]): string { return this.op('Transpose', [x], {perm: A.ints(perm)}); }

  // ---- dynamic sizes ----

  /** The int64 shape of a value. */
  shape(x: string): string { return this.op('Shape', [x]); }

  /** Dimension `axis` of `x` as an int64 tensor of shape [1]. */
  dim(x: string, axis: number): string {
    return this.op('Gather', [this.shape(x), this.ints([axis])], {axis: A.i(0)});
  }

  /** Dimension `axis` of `x` as a float32 scalar. */
  dimFloat(x: string, axis: number): string {
    const d = this.op('Gather', [this.shape(x), this.ints([axis], [])], {axis: A.i(0)});
    return this.op('Cast', [d], {to: A.i(DataType.FLOAT)});
  }

  /** The finished GraphProto with the given inputs and outputs. */
  graph(name: string, inputs: OnnxTypes.IValueInfoProto[], outputs: OnnxTypes.IValueInfoProto[]): OnnxTypes.IGraphProto {
    return {name, node: this.nodes, initializer: this.initializers, input: inputs, output: outputs};
  }
}

/** A float32 NCHW value info with symbolic batch, height and width. */
export function imageValueInfo(name: string, channels: number): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {tensorType: {elemType: DataType.FLOAT, shape: {dim: [
      {dimParam: 'batch'}, {dimValue: channels}, {dimParam: 'height'}, {dimParam: 'width'},
    ]}}},
  };
}
