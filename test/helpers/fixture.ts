// Golden fixture files written by test/fixtures/gen/fixture_io.py:
//   8 bytes magic 'SSCLFX01' | u32 LE header length | UTF-8 JSON header | zero padding to 8 | tensor data
// header: { version: 1, generator, regenerate, meta, tensors: { name: { dtype: 'f32'|'f64'|'i32'|'i64'|'u8', shape, offset, nbytes } } }
// Offsets are relative to the start of the data section. Little-endian throughout.
import { readRepoFile } from './files.ts';

export interface FixtureTensor {
  name: string;
  dtype: 'f32' | 'f64' | 'i32' | 'i64' | 'u8';
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
}
export interface Fixture {
  meta: Record<string, unknown>;
  generator: string;
  names: string[];
  get(name: string): FixtureTensor;
  /** The tensor as float64 numbers (any dtype). */
  f64(name: string): Float64Array;
  /** The tensor as float32. */
  f32(name: string): Float32Array;
}

const MAGIC = 'SSCLFX01';
const CTORS = { f32: Float32Array, f64: Float64Array, i32: Int32Array, i64: BigInt64Array, u8: Uint8Array } as const;

export function parseFixture(bytes: Uint8Array, label = 'fixture'): Fixture {
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== MAGIC) throw new Error(`${label}: bad magic '${magic}' (regenerate with test/fixtures/gen/*.py)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = dv.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen)));
  if (header.version !== 1) throw new Error(`${label}: fixture version ${header.version}, expected 1 (${header.regenerate})`);
  const dataStart = Math.ceil((12 + hlen) / 8) * 8;
  const tensors = header.tensors as Record<string, { dtype: FixtureTensor['dtype']; shape: number[]; offset: number; nbytes: number }>;
  const get = (name: string): FixtureTensor => {
    const t = tensors[name];
    if (!t) throw new Error(`${label}: no tensor '${name}' (have ${Object.keys(tensors).join(', ')})`);
    const Ctor = CTORS[t.dtype];
    const start = dataStart + t.offset;
    const copy = bytes.slice(start, start + t.nbytes); // aligned copy
    return { name, dtype: t.dtype, shape: t.shape, data: new Ctor(copy.buffer, 0, t.nbytes / Ctor.BYTES_PER_ELEMENT) };
  };
  const f64 = (name: string): Float64Array => {
    const d = get(name).data;
    return d instanceof BigInt64Array ? Float64Array.from(d, (x) => Number(x)) : Float64Array.from(d as ArrayLike<number>);
  };
  return { meta: header.meta ?? {}, generator: header.generator, names: Object.keys(tensors), get, f64, f32: (n) => Float32Array.from(f64(n)) };
}

export async function loadFixture(path: string): Promise<Fixture> {
  return parseFixture(await readRepoFile(`test/fixtures/${path}`), path);
}
