/**
 * A minimal GGUF v3 writer (little-endian): header, key/value metadata, tensor infos, then the
 * tensor data, each tensor padded to the alignment. llama.cpp's gguf.cpp rejects any offset that
 * is not the running padded sum, so offsets are computed here, never passed in.
 */

export const GGUF_ALIGNMENT = 32;

/** GGUF value type codes. */
const T = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;

export type GgufValue =
  | { type: "u32"; value: number }
  | { type: "i32"; value: number }
  | { type: "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "string[]"; value: string[] }
  | { type: "i32[]"; value: number[] };

export interface GgufTensor {
  name: string;
  /** Dimensions in ggml order: the fastest-varying first. */
  dims: number[];
  /** F32 only: the model is tiny, and F16 runs at the same speed. */
  data: Float32Array;
}

export interface GgufFile {
  metadata: Array<[string, GgufValue]>;
  tensors: GgufTensor[];
}

/** Appends little-endian values to a growing list of chunks. */
class ByteSink {
  private chunks: Buffer[] = [];
  length = 0;

  push(buf: Buffer): void {
    this.chunks.push(buf);
    this.length += buf.length;
  }
  /** One fixed-size little-endian value. */
  private scalar(size: number, write: (b: Buffer) => void): void {
    const b = Buffer.alloc(size);
    write(b);
    this.push(b);
  }
  u32(v: number): void {
    this.scalar(4, (b) => b.writeUInt32LE(v));
  }
  i32(v: number): void {
    this.scalar(4, (b) => b.writeInt32LE(v));
  }
  u64(v: number): void {
    this.scalar(8, (b) => b.writeBigUInt64LE(BigInt(v)));
  }
  f32(v: number): void {
    this.scalar(4, (b) => b.writeFloatLE(v));
  }
  string(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    this.push(bytes);
  }
  pad(alignment: number): void {
    const rest = this.length % alignment;
    if (rest !== 0) this.push(Buffer.alloc(alignment - rest));
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

type Scalar = "u32" | "i32" | "f32" | "bool" | "string";

/** How each scalar type is written after its type tag. */
const SCALAR_WRITERS: { [K in Scalar]: (sink: ByteSink, value: never) => void } = {
  u32: (sink, v: number) => sink.u32(v),
  i32: (sink, v: number) => sink.i32(v),
  f32: (sink, v: number) => sink.f32(v),
  bool: (sink, v: boolean) => sink.push(Buffer.from([v ? 1 : 0])),
  string: (sink, v: string) => sink.string(v),
};

function writeValue(sink: ByteSink, v: GgufValue): void {
  if (v.type === "string[]" || v.type === "i32[]") {
    // An array: its tag, the element type's tag, the count, then the bare elements.
    const element = v.type === "string[]" ? "string" : "i32";
    sink.u32(T.array);
    sink.u32(T[element]);
    sink.u64(v.value.length);
    for (const item of v.value) SCALAR_WRITERS[element](sink, item as never);
    return;
  }
  sink.u32(T[v.type]);
  SCALAR_WRITERS[v.type](sink, v.value as never);
}

const padded = (n: number) => Math.ceil(n / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;

export function writeGguf(file: GgufFile): Buffer {
  const sink = new ByteSink();
  sink.push(Buffer.from("GGUF", "ascii"));
  sink.u32(3);
  sink.u64(file.tensors.length);
  sink.u64(file.metadata.length);
  for (const [key, value] of file.metadata) {
    sink.string(key);
    writeValue(sink, value);
  }
  let offset = 0;
  for (const tensor of file.tensors) {
    const count = tensor.dims.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length) {
      throw new Error(`tensor ${tensor.name}: dims give ${count} values but data has ${tensor.data.length}`);
    }
    sink.string(tensor.name);
    sink.u32(tensor.dims.length);
    for (const d of tensor.dims) sink.u64(d);
    sink.u32(0); // GGML_TYPE_F32
    sink.u64(offset);
    offset += padded(count * 4);
  }
  sink.pad(GGUF_ALIGNMENT);
  for (const tensor of file.tensors) {
    const bytes = Buffer.alloc(tensor.data.length * 4);
    tensor.data.forEach((v, i) => {
      bytes.writeFloatLE(v, i * 4);
    });
    sink.push(bytes);
    sink.pad(GGUF_ALIGNMENT);
  }
  return sink.toBuffer();
}
