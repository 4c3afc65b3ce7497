// Safetensors: byte-exact against the reference implementation's own unit-test vectors
// (huggingface/safetensors safetensors/src/tensor.rs: test_serialization, test_empty,
// test_serialization_forced_alignement), interop both ways with torch (test/fixtures/gen/models_safetensors.py),
// and hostile inputs that must raise SafetensorsError naming the tensor, never anything else.
import { describe, expect, it } from 'vitest';
import { SafetensorsError } from '../../src/errors.ts';
import { checkSafetensors, halfToFloat, parseSafetensors, serializeSafetensors, type SafetensorsDtype, type SafetensorsInput } from '../../src/models/safetensors.ts';
import { counterBits, streamKey } from '../../src/models/rng.ts';
import { readRepoFile } from '../helpers/files.ts';
import { loadFixture } from '../helpers/fixture.ts';
import { TS_WRITTEN_METADATA, tsWrittenContent } from './ts_written_content.ts';
import { thrown } from '../helpers/errors.ts';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A file from a header (object or raw text), a data section, and optionally a forged header length. */
function file(header: object | string, data: Uint8Array = new Uint8Array(0), n?: bigint): Uint8Array {
  const h = enc(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, n ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const safetensorsError = (fn: () => unknown): SafetensorsError => thrown(fn, SafetensorsError);

describe('safetensors writer: byte-identical to the reference', () => {
  it('test_serialization: attn.0 F32 [1,2,3] (header needs no padding)', () => {
    const out = serializeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data: f32(0, 1, 2, 3, 4, 5) } });
    expect(Array.from(out)).toEqual([
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97,
      112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125,
      0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
  });

  it('test_serialization_forced_alignement: header padded with spaces to 8', () => {
    const out = serializeSafetensors({ attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data: f32(0, 1, 2, 3, 4, 5) } });
    expect(Array.from(out)).toEqual([
      72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112,
      101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125,
      32, 32, 32, 32, 32, 32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
    const back = parseSafetensors(out);
    expect(Array.from(back.float32('attn0'))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('test_empty: no tensors, with and without metadata', () => {
    expect(Array.from(serializeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect(Array.from(serializeSafetensors({}, { framework: 'pt' }))).toEqual([
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58,
      34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
    ]);
    const p = parseSafetensors(serializeSafetensors({}, { framework: 'pt' }));
    expect(p.entries).toHaveLength(0);
    expect(p.metadata).toEqual({ framework: 'pt' });
  });

  it('orders by dtype (I64 before F64 before F32 before F16), then name', () => {
    const t = (dtype: SafetensorsDtype, data: SafetensorsInput['data']): SafetensorsInput => ({ dtype, shape: [data.length], data });
    const p = parseSafetensors(serializeSafetensors({ b: t('F32', f32(1)), a: t('F32', f32(2)), h: t('F16', Uint16Array.of(0x3c00)), n: t('I64', BigInt64Array.of(5n)), d: t('F64', Float64Array.of(1)) }));
    expect(p.entries.map((e) => e.name)).toEqual(['n', 'd', 'a', 'b', 'h']);
    expect((p.entries[0].begin) % 8).toBe(0); // data section 8-aligned
  });
});

describe('safetensors interop with torch', () => {
  it('reads the file torch-side code wrote: every dtype, shape, value and the metadata', async () => {
    const bytes = await readRepoFile('test/fixtures/models/torch_written.safetensors');
    const ref = await loadFixture('models/torch_written_ref.bin');
    const meta = ref.meta as { shapes: Record<string, number[]>; dtypes: Record<string, SafetensorsDtype>; metadata: Record<string, string> };
    const f = parseSafetensors(bytes);
    expect(f.metadata).toEqual(meta.metadata);
    expect(f.entries.map((e) => e.name).sort()).toEqual(Object.keys(meta.shapes).sort());
    for (const e of f.entries) {
      expect(e.dtype).toBe(meta.dtypes[e.name]);
      expect(e.shape).toEqual(meta.shapes[e.name]);
      if (e.dtype === 'I64') {
        expect(Array.from(f.typed(e.name) as BigInt64Array)).toEqual(Array.from(ref.get(e.name).data as BigInt64Array));
      } else if (e.dtype === 'F64') {
        expect(Array.from(f.typed(e.name) as Float64Array)).toEqual(Array.from(ref.f64(e.name)));
        expect(Array.from(f.float32(e.name))).toEqual(Array.from(ref.f64(e.name), Math.fround));
      } else {
        // F32 exact; F16/BF16 widen to float32 exactly, as torch's .float() does.
        expect(Array.from(f.float32(e.name))).toEqual(Array.from(ref.f32(e.name)));
      }
    }
    expect(Array.from(f.typed('1.num_batches_tracked') as BigInt64Array)).toEqual([7n]);
  });

  it('re-serializing what torch wrote reproduces its bytes exactly', async () => {
    const bytes = await readRepoFile('test/fixtures/models/torch_written.safetensors');
    const f = parseSafetensors(bytes);
    const again = serializeSafetensors(f.entries.map((e) => [e.name, { dtype: e.dtype, shape: e.shape, data: f.typed(e.name) }] as [string, SafetensorsInput]), f.metadata);
    expect(again.length).toBe(bytes.length);
    expect(Array.from(again)).toEqual(Array.from(bytes));
  });

  it('our writer reproduces the committed ts_written.safetensors that torch loads (models_safetensors.py --check-ts)', async () => {
    const committed = await readRepoFile('test/fixtures/models/ts_written.safetensors');
    const ours = serializeSafetensors(tsWrittenContent(), TS_WRITTEN_METADATA);
    expect(Array.from(ours)).toEqual(Array.from(committed));
    const back = parseSafetensors(ours);
    for (const [name, t] of tsWrittenContent()) expect(Array.from(back.typed(name) as ArrayLike<unknown>)).toEqual(Array.from(t.data as ArrayLike<unknown>));
  });

  it('halfToFloat: subnormals, max, infinities, NaN', () => {
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(halfToFloat(0x8000)).toBe(-0);
  });
});

describe('safetensors reader rejects malformed files with SafetensorsError', () => {
  const good = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };
  const data12 = new Uint8Array(12);

  it('accepts the well-formed base case', () => {
    expect(parseSafetensors(file(good, data12)).entries.map((e) => e.name)).toEqual(['a', 'b']);
  });

  const fileLevel: [string, () => Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', () => new Uint8Array(5), /shorter than the 8-byte/],
    ['header length past the end', () => file(good, data12, 4000n), /runs past the end/],
    ['header length over 100 MB', () => file(good, data12, 100_000_001n), /exceeds/],
    ['header length 2^64-1', () => file(good, data12, 2n ** 64n - 1n), /exceeds/],
    ['invalid UTF-8', () => file('{"a\xff":1}'.replace('\xff', ''), new Uint8Array(0)).map((b, i, arr) => (i === 11 ? 0xff : b)) as Uint8Array, /UTF-8|JSON/],
    ['not starting with {', () => file(' []'), /starting with/],
    ['not JSON', () => file('{"a": {'), /not valid JSON/],
    ['JSON but not an object', () => file('{}').fill(0x5b, 8, 9).fill(0x5d, 9, 10), /starting with|object/],
    ['trailing bytes after the last tensor', () => file(good, new Uint8Array(16)), /trailing bytes/],
    ['metadata value not a string', () => file({ __metadata__: { x: 1 } }), /must be a string/],
  ];
  for (const [what, mk, msg] of fileLevel) {
    it(`file level: ${what}`, () => {
      const e = safetensorsError(() => parseSafetensors(mk()));
      expect(e.message).toMatch(msg);
      expect(e.code).toBe('SAFETENSORS');
    });
  }

  const tensorLevel: [string, object, Uint8Array, string, RegExp][] = [
    ['unknown dtype', { a: { dtype: 'F128', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8), 'a', /unknown dtype/],
    ['negative shape', { a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, new Uint8Array(8), 'a', /shape/],
    ['fractional shape', { a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, new Uint8Array(8), 'a', /shape/],
    ['shape not an array', { a: { dtype: 'F32', shape: 2, data_offsets: [0, 8] } }, new Uint8Array(8), 'a', /shape/],
    ['offsets of wrong arity', { a: { dtype: 'F32', shape: [2], data_offsets: [0] } }, new Uint8Array(8), 'a', /data_offsets/],
    ['end before begin', { a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, new Uint8Array(8), 'a', /end before/],
    ['size does not match dtype x shape', { a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8), 'a', /needs 12/],
    ['offsets past the data', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, new Uint8Array(10), 'b', /past the 10-byte/],
    ['overlapping tensors', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12), 'b', /overlaps/],
    ['gap between tensors', { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, new Uint8Array(12), 'b', /gap/],
    ['entry not an object', { a: [1, 2] }, new Uint8Array(0), 'a', /entry must be an object/],
    ['huge shape overflows', { a: { dtype: 'F64', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 8] } }, new Uint8Array(8), 'a', /overflows|needs/],
  ];
  for (const [what, header, data, tensor, msg] of tensorLevel) {
    it(`tensor level: ${what} (names '${tensor}')`, () => {
      const e = safetensorsError(() => parseSafetensors(file(header, data)));
      expect(e.tensor).toBe(tensor);
      expect(e.message).toMatch(msg);
      expect(e.message).toContain(`'${tensor}'`);
    });
  }

  it('duplicate names (JSON.parse would silently keep the last)', () => {
    const e = safetensorsError(() => parseSafetensors(file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4))));
    expect(e.tensor).toBe('w');
    expect(e.message).toMatch(/twice/);
    // ... while the same key nested deeper is fine.
    expect(parseSafetensors(file('{"__metadata__":{"w":"1"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4))).entries).toHaveLength(1);
  });

  it('asking for a tensor that is not there, or float32() of an integer tensor', () => {
    const f = parseSafetensors(serializeSafetensors({ n: { dtype: 'I64', shape: [], data: BigInt64Array.of(1n) } }));
    expect(safetensorsError(() => f.entry('zz')).tensor).toBe('zz');
    expect(safetensorsError(() => f.float32('n')).message).toMatch(/not a float/);
  });

  it('random corruption of a valid file: parses or throws SafetensorsError, never anything else', () => {
    const base = serializeSafetensors(tsWrittenContent(), TS_WRITTEN_METADATA);
    const key = streamKey(2024, 0);
    let rejected = 0;
    for (let trial = 0; trial < 400; trial++) {
      const b = base.slice();
      const flips = 1 + (counterBits(key, 3 * trial) % 3);
      for (let k = 0; k < flips; k++) {
        // Mostly inside the 8-byte length and the header, where the parser's decisions are.
        const pos = counterBits(key, 3 * trial + 1 + k) % (trial % 4 === 0 ? b.length : 300);
        b[pos] = counterBits(key, 1000 + 7 * trial + k) & 0xff;
      }
      const cut = trial % 10 === 9 ? b.subarray(0, counterBits(key, 5000 + trial) % b.length) : b;
      try {
        parseSafetensors(cut);
      } catch (e) {
        expect(e).toBeInstanceOf(SafetensorsError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });
});

describe('checkSafetensors against a model spec', () => {
  const f = parseSafetensors(serializeSafetensors(tsWrittenContent(), TS_WRITTEN_METADATA));
  const exp = [
    { name: '0.weight', shape: [4, 3, 1, 3, 3], dtypes: ['F32'] as SafetensorsDtype[] },
    { name: '1.num_batches_tracked', shape: [], dtypes: ['I64'] as SafetensorsDtype[] },
  ];
  it('passes when every expected tensor matches (unexpected allowed on request)', () => {
    checkSafetensors(f, exp, { allowUnexpected: true });
  });
  it('names the tensor on missing / dtype / shape / unexpected', () => {
    expect(safetensorsError(() => checkSafetensors(f, [...exp, { name: 'head.0.weight', shape: [2], dtypes: ['F32'] }], { allowUnexpected: true })).tensor).toBe('head.0.weight');
    const d = safetensorsError(() => checkSafetensors(f, [{ name: '0.weight', shape: [4, 3, 1, 3, 3], dtypes: ['F16'] }], { allowUnexpected: true }));
    expect(d.tensor).toBe('0.weight');
    expect(d.message).toMatch(/dtype F32/);
    const s = safetensorsError(() => checkSafetensors(f, [{ name: '0.bias', shape: [8], dtypes: ['F32'] }], { allowUnexpected: true }));
    expect(s.tensor).toBe('0.bias');
    expect(s.message).toMatch(/shape \[4\]/);
    expect(safetensorsError(() => checkSafetensors(f, exp)).message).toMatch(/unexpected/);
  });
});

describe('safetensors writer rejects bad input', () => {
  it('data length, reserved name, bad shape', () => {
    expect(safetensorsError(() => serializeSafetensors({ w: { dtype: 'F32', shape: [3], data: f32(1, 2) } })).tensor).toBe('w');
    expect(safetensorsError(() => serializeSafetensors({ __metadata__: { dtype: 'F32', shape: [1], data: f32(1) } })).message).toMatch(/reserved/);
    expect(safetensorsError(() => serializeSafetensors({ w: { dtype: 'F32', shape: [-1], data: f32() } })).tensor).toBe('w');
    expect(safetensorsError(() => serializeSafetensors([['w', { dtype: 'F32', shape: [1], data: f32(1) }], ['w', { dtype: 'F32', shape: [1], data: f32(1) }]])).message).toMatch(/twice/);
  });
});
