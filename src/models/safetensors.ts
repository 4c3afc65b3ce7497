// Safetensors reading and writing (https://github.com/huggingface/safetensors, format of safetensors 0.3/0.4):
//   8 bytes  N, u64 little-endian: the header length
//   N bytes  UTF-8 JSON: { "__metadata__"?: {str: str}, name: { dtype, shape, data_offsets: [begin, end] } }
//   rest     the byte buffer; offsets are relative to its start, little-endian, C order.
// The reader validates like the reference (`Metadata::validate`, `read_metadata` in safetensors/src/tensor.rs):
// header length <= 100 MB and inside the file, valid UTF-8 JSON object, offsets contiguous from 0 and
// covering the buffer exactly, end - begin == numel * sizeof(dtype). It is stricter in two places the
// reference accepts silently: duplicate tensor names and a header that does not start with '{'.
// The writer reproduces the reference byte for byte: tensors sorted by dtype alignment (descending), then
// name; header padded with spaces to a multiple of 8 so the data section is 8-byte aligned.
import { SafetensorsError } from '../errors.ts';

/** Element types of the format. Floats read as `Float32Array` (F64/F16/BF16 converted), I64/U64 as BigInt64Array/BigUint64Array. */
export type SafetensorsDtype = 'BOOL' | 'U8' | 'I8' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

// Element size and the reference's `Dtype` enum order (sort key of the writer: larger first).
const DTYPES: Record<SafetensorsDtype, { size: number; rank: number }> = {
  BOOL: { size: 1, rank: 0 }, U8: { size: 1, rank: 1 }, I8: { size: 1, rank: 2 }, I16: { size: 2, rank: 5 },
  U16: { size: 2, rank: 6 }, F16: { size: 2, rank: 7 }, BF16: { size: 2, rank: 8 }, I32: { size: 4, rank: 9 },
  U32: { size: 4, rank: 10 }, F32: { size: 4, rank: 11 }, F64: { size: 8, rank: 12 }, I64: { size: 8, rank: 13 },
  U64: { size: 8, rank: 14 },
};
/** The reference's MAX_HEADER_SIZE. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

export type SafetensorsData = Float32Array | Float64Array | BigInt64Array | BigUint64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

/** One tensor as stored: where its bytes are in the file. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  /** `__metadata__` (string to string), or null when absent. */
  metadata: Record<string, string> | null;
  /** Tensors in file (offset) order. */
  entries: SafetensorsEntry[];
  has(name: string): boolean;
  entry(name: string): SafetensorsEntry;
  /** Raw little-endian bytes of one tensor (a view into the file). */
  bytes(name: string): Uint8Array;
  /** Float tensors (F32, F64, F16, BF16) as a fresh Float32Array; throws SafetensorsError for other dtypes. */
  float32(name: string): Float32Array;
  /** Any tensor in its own dtype (I64 -> BigInt64Array, F16/BF16 -> Uint16Array of raw bits, BOOL -> Uint8Array). */
  typed(name: string): SafetensorsData;
}

/** What a model expects of one tensor. */
export interface TensorExpectation {
  name: string;
  shape: readonly number[];
  /** Accepted dtypes; the first is the model's own. */
  dtypes: readonly SafetensorsDtype[];
}

const fail = (msg: string, tensor: string | null = null): never => {
  throw new SafetensorsError(tensor === null ? msg : `tensor '${tensor}': ${msg}`, tensor);
};

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Top-level keys of a JSON object text, in order, with duplicates kept (JSON.parse keeps only the last one,
 * which would let a file smuggle a second definition of a tensor past the checks).
 */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (k < text.length && /\s/.test(text[k])) k++;
        if (text[k] === ':') keys.push(JSON.parse(text.slice(i, j + 1)) as string);
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

/**
 * Parse a safetensors file. Throws `SafetensorsError` (naming the tensor where there is one) for every
 * malformed input; never reads outside `bytes`.
 *
 * @example
 * ```ts
 * const f = parseSafetensors(await (await fetch('model.safetensors')).bytes());
 * f.entries.map((e) => `${e.name} ${e.dtype} [${e.shape}]`);   // ['conv.weight F32 [8,3,3,3]', ...]
 * const w = f.float32('conv.weight');                          // Float32Array(216)
 * ```
 */
export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) fail(`expected the file as a Uint8Array, got ${Object.prototype.toString.call(bytes)}`);
  if (bytes.byteLength < 8) fail(`file is ${bytes.byteLength} bytes, shorter than the 8-byte header length: not a safetensors file`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(SAFETENSORS_MAX_HEADER)) fail(`header length ${n64} exceeds the ${SAFETENSORS_MAX_HEADER}-byte limit: not a safetensors file, or corrupt`);
  const n = Number(n64);
  if (8 + n > bytes.byteLength) fail(`header length ${n} runs past the end of the ${bytes.byteLength}-byte file: truncated or corrupt`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(`header must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 16))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return fail('header is not a JSON object');
  const seen = new Set<string>();
  for (const k of topLevelKeys(text)) {
    if (seen.has(k)) fail('the name appears twice in the header', k);
    seen.add(k);
  }

  let metadata: Record<string, string> | null = null;
  const entries: SafetensorsEntry[] = [];
  const dataStart = 8 + n;
  const dataLen = bytes.byteLength - dataStart;
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info)) fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(info as object)) if (typeof v !== 'string') fail(`__metadata__['${k}'] must be a string, got ${typeof v}`);
      metadata = { ...(info as Record<string, string>) };
      continue;
    }
    if (info === null || typeof info !== 'object' || Array.isArray(info)) return fail('entry must be an object {dtype, shape, data_offsets}', name);
    const { dtype, shape, data_offsets: off } = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in DTYPES)) fail(`unknown dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPES).join(', ')})`, name);
    if (!Array.isArray(shape) || !shape.every(isIndex)) fail(`shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`, name);
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isIndex)) fail(`data_offsets must be [begin, end] non-negative integers, got ${JSON.stringify(off)}`, name);
    const [b, e] = off as number[];
    if (e < b) fail(`data_offsets [${b}, ${e}] end before they begin`, name);
    const numel = (shape as number[]).reduce((a, d) => a * d, 1);
    const nbytes = numel * DTYPES[dtype as SafetensorsDtype].size;
    if (!Number.isSafeInteger(nbytes)) fail(`shape [${shape}] overflows`, name);
    if (e - b !== nbytes) fail(`data_offsets [${b}, ${e}] hold ${e - b} bytes but ${dtype} [${shape}] needs ${nbytes}`, name);
    if (e > dataLen) fail(`data_offsets [${b}, ${e}] run past the ${dataLen}-byte data section: truncated or corrupt`, name);
    entries.push({ name, dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], begin: dataStart + b, end: dataStart + e });
  }
  // Contiguity: sorted by offsets, each begins where the previous ended, the last ends at the file's end.
  entries.sort((x, y) => x.begin - y.begin || x.end - y.end);
  let at = dataStart;
  for (const en of entries) {
    if (en.begin !== at) fail(en.begin < at ? `data overlaps the previous tensor (begins at ${en.begin - dataStart}, previous ends at ${at - dataStart})` : `gap before the data (begins at ${en.begin - dataStart}, previous ends at ${at - dataStart})`, en.name);
    at = en.end;
  }
  if (at !== bytes.byteLength) fail(`tensor data covers ${at - dataStart} bytes but the data section has ${dataLen}: trailing bytes or truncated file`);

  const byName = new Map(entries.map((en) => [en.name, en]));
  const entry = (name: string): SafetensorsEntry => byName.get(name) ?? fail(`not in the file (it has ${entries.length} tensors${entries.length ? `, e.g. '${entries[0].name}'` : ''})`, name);
  const raw = (name: string): Uint8Array => {
    const en = entry(name);
    return bytes.subarray(en.begin, en.end);
  };
  const typed = (name: string): SafetensorsData => {
    const en = entry(name);
    const copy = bytes.slice(en.begin, en.end); // aligned copy (the file's data section may be unaligned)
    const buf = copy.buffer;
    switch (en.dtype) {
      case 'F32': return new Float32Array(buf);
      case 'F64': return new Float64Array(buf);
      case 'I64': return new BigInt64Array(buf);
      case 'U64': return new BigUint64Array(buf);
      case 'I32': return new Int32Array(buf);
      case 'U32': return new Uint32Array(buf);
      case 'I16': return new Int16Array(buf);
      case 'U16': case 'F16': case 'BF16': return new Uint16Array(buf);
      case 'I8': return new Int8Array(buf);
      default: return copy;
    }
  };
  const float32 = (name: string): Float32Array => {
    const en = entry(name);
    const t = typed(name);
    if (en.dtype === 'F32') return t as Float32Array;
    if (en.dtype === 'F64') return Float32Array.from(t as Float64Array);
    if (en.dtype === 'BF16') {
      const u32 = new Uint32Array(t.length);
      for (let i = 0; i < t.length; i++) u32[i] = (t as Uint16Array)[i] << 16;
      return new Float32Array(u32.buffer);
    }
    if (en.dtype === 'F16') return Float32Array.from(t as Uint16Array, halfToFloat);
    return fail(`dtype ${en.dtype} is not a float type; use typed()`, name);
  };
  return { metadata, entries, has: (nm) => byName.has(nm), entry, bytes: raw, typed, float32 };
}

/** IEEE binary16 bits -> number (exact). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Check a parsed file against what a model expects: every expected tensor present with its shape and an
 * accepted dtype, nothing unexpected (like torch's `load_state_dict(strict=True)`). Throws SafetensorsError
 * naming the first offending tensor.
 */
export function checkSafetensors(file: SafetensorsFile, expected: readonly TensorExpectation[], opts: { allowUnexpected?: boolean } = {}): void {
  const want = new Set<string>();
  for (const x of expected) {
    want.add(x.name);
    if (!file.has(x.name)) fail(`missing from the file (expected ${x.dtypes[0]} [${x.shape}]); was it saved from a different architecture or preset?`, x.name);
    const en = file.entry(x.name);
    if (!x.dtypes.includes(en.dtype)) fail(`dtype ${en.dtype} but the model needs ${x.dtypes.join(' or ')}`, x.name);
    if (en.shape.length !== x.shape.length || en.shape.some((d, i) => d !== x.shape[i])) fail(`shape [${en.shape}] but the model needs [${x.shape}] (different preset?)`, x.name);
  }
  if (!opts.allowUnexpected) for (const en of file.entries) if (!want.has(en.name)) fail('not a tensor of this model (unexpected key); pass allowUnexpected to ignore it', en.name);
}

/** One tensor to write. `data` must hold exactly numel elements of `dtype` (F16/BF16 as raw Uint16 bits). */
export interface SafetensorsInput {
  dtype: SafetensorsDtype;
  shape: readonly number[];
  data: SafetensorsData;
}

/**
 * Serialize tensors to safetensors bytes, byte-identical to the reference's `serialize()` for the same
 * tensors (metadata keys are written in the given order; the reference uses a hash map there).
 *
 * @example
 * ```ts
 * const bytes = serializeSafetensors({ 'fc.weight': { dtype: 'F32', shape: [2, 3], data: new Float32Array(6) } }, { format: 'pt' });
 * parseSafetensors(bytes).entry('fc.weight').shape;   // [2, 3]
 * ```
 */
export function serializeSafetensors(tensors: Record<string, SafetensorsInput> | Iterable<[string, SafetensorsInput]>, metadata?: Record<string, string> | null): Uint8Array<ArrayBuffer> {
  const list = (Symbol.iterator in tensors ? [...(tensors as Iterable<[string, SafetensorsInput]>)] : Object.entries(tensors)) as [string, SafetensorsInput][];
  const names = new Set<string>();
  for (const [name, t] of list) {
    if (name === '__metadata__') fail("'__metadata__' is reserved and cannot name a tensor", name);
    if (names.has(name)) fail('given twice', name);
    names.add(name);
    if (!(t.dtype in DTYPES)) fail(`unknown dtype ${JSON.stringify(t.dtype)}`, name);
    if (!t.shape.every(isIndex)) fail(`shape must be non-negative integers, got [${t.shape}]`, name);
    const numel = t.shape.reduce((a, d) => a * d, 1);
    if (t.data.byteLength !== numel * DTYPES[t.dtype].size) fail(`data has ${t.data.byteLength} bytes but ${t.dtype} [${t.shape}] needs ${numel * DTYPES[t.dtype].size}`, name);
  }
  if (metadata) for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') fail(`metadata['${k}'] must be a string`);
  // Reference order: dtype descending (by its enum), then name (byte order; UTF-16 order for BMP names).
  list.sort(([na, a], [nb, b]) => DTYPES[b.dtype].rank - DTYPES[a.dtype].rank || (na < nb ? -1 : na > nb ? 1 : 0));
  let offset = 0;
  const parts: string[] = [];
  if (metadata) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  for (const [name, t] of list) {
    const nb = t.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + nb}]}`);
    offset += nb;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const n = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const [, t] of list) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
