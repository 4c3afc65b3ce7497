// decodeWav against scipy.io.wavfile.read (test/fixtures/gen/audio_wav.py wrote the files byte by byte and
// decoded them with scipy), plus hostile headers that must end in InvalidWavError, never a crash, hang or
// a large allocation.
import { describe, expect, it } from 'vitest';
import { decodeWav, InvalidAudioError, InvalidWavError } from '../../src/index.ts';
import { loadFixture } from '../helpers/fixture.ts';
import { readRepoFile } from '../helpers/files.ts';
import { expectAllClose } from '../helpers/close.ts';

type WavMeta = { name: string; sampleRate: number; channels: number; frames: number; bits: number; format: 'pcm' | 'float' };

/** A minimal WAV with the given fields; sizes can be made to lie. */
function makeWav(o: { code?: number; channels?: number; rate?: number; bits?: number; blockAlign?: number; fmtSize?: number; dataSize?: number; data?: Uint8Array; riff?: string; omitFmt?: boolean; omitData?: boolean }): Uint8Array {
  const channels = o.channels ?? 1;
  const bits = o.bits ?? 16;
  const data = o.data ?? new Uint8Array(8);
  const parts: number[] = [];
  const u32 = (v: number) => parts.push(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255);
  const u16 = (v: number) => parts.push(v & 255, (v >>> 8) & 255);
  const str = (s: string) => { for (const ch of s) parts.push(ch.charCodeAt(0)); };
  str(o.riff ?? 'RIFF');
  u32(0); // patched below
  str('WAVE');
  if (!o.omitFmt) {
    str('fmt ');
    u32(o.fmtSize ?? 16);
    u16(o.code ?? 1);
    u16(channels);
    u32(o.rate ?? 8000);
    u32((o.rate ?? 8000) * channels * (bits / 8));
    u16(o.blockAlign ?? (channels * bits) / 8);
    u16(bits);
  }
  if (!o.omitData) {
    str('data');
    u32(o.dataSize ?? data.length);
    for (const b of data) parts.push(b);
  }
  const out = new Uint8Array(parts);
  new DataView(out.buffer).setUint32(4, out.length - 8, true);
  return out;
}

describe('decodeWav', () => {
  it('decodes PCM 8/16/24/32, float 32/64, extensible, 1-6 channels, odd chunks, like scipy', async () => {
    const fx = await loadFixture('audio/wav_expected.bin');
    for (const m of fx.meta.files as WavMeta[]) {
      const bytes = await readRepoFile(`test/fixtures/audio/wav/${m.name}`);
      const w = decodeWav(bytes);
      expect(w.sampleRate).toBe(m.sampleRate);
      expect(w.channels).toHaveLength(m.channels);
      expect(w.bitsPerSample).toBe(m.bits);
      expect(w.format).toBe(m.format);
      const ref = fx.f64(m.name); // (frames, channels)
      for (let c = 0; c < m.channels; c++) {
        expect(w.channels[c]).toHaveLength(m.frames);
        const col = new Float64Array(m.frames);
        for (let i = 0; i < m.frames; i++) col[i] = ref[i * m.channels + c];
        // exact up to float32 rounding of the decoded value
        expectAllClose(w.channels[c], col, { atol: 0, rtol: 1e-7, what: `${m.name} ch${c}` });
      }
      // also from an ArrayBuffer and from a view at an offset
      const shifted = new Uint8Array(bytes.length + 3);
      shifted.set(bytes, 3);
      expect(decodeWav(shifted.subarray(3)).channels[0]).toEqual(w.channels[0]);
      expect(decodeWav(bytes.slice().buffer).channels[0]).toEqual(w.channels[0]);
    }
  });

  it('rejects truncated, lying and hostile headers with InvalidWavError', () => {
    const good = makeWav({});
    expect(decodeWav(good).channels[0]).toHaveLength(4);
    const bad: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['11 bytes', good.subarray(0, 11)],
      ['not RIFF', makeWav({ riff: 'RIFX' })],
      ['no fmt', makeWav({ omitFmt: true })],
      ['no data', makeWav({ omitData: true })],
      ['truncated data', makeWav({ dataSize: 1000 })],
      ['data size 2^32-2 (huge allocation bait)', makeWav({ dataSize: 0xfffffffe })],
      ['fmt larger than the file', makeWav({ fmtSize: 0x7fffffff })],
      ['fmt too small', makeWav({ fmtSize: 8 })],
      ['0 channels', makeWav({ channels: 0, blockAlign: 2 })],
      ['0 Hz', makeWav({ rate: 0 })],
      ['12-bit PCM', makeWav({ bits: 12, blockAlign: 2 })],
      ['16-bit float', makeWav({ code: 3 })],
      ['ADPCM', makeWav({ code: 2 })],
      ['lying block align', makeWav({ blockAlign: 7 })],
      ['65535 channels, 8 bytes', makeWav({ channels: 65535, blockAlign: 65535 * 2 })],
      ['extensible with a short fmt', makeWav({ code: 0xfffe })],
      ['NaN float samples', makeWav({ code: 3, bits: 32, data: new Uint8Array(new Float32Array([0.5, NaN]).buffer) })],
    ];
    for (const [what, bytes] of bad) {
      let err: unknown = null;
      try {
        decodeWav(bytes);
      } catch (e) {
        err = e;
      }
      if (!(err instanceof InvalidWavError)) throw new Error(`${what}: expected InvalidWavError, got ${String(err)}`);
      expect(err).toBeInstanceOf(InvalidAudioError);
      expect((err as InvalidWavError).code).toBe('INVALID_WAV');
    }
    expect(() => decodeWav(null as unknown as ArrayBuffer)).toThrow(InvalidWavError);
  });

  it('a streamed WAV with data size 0xFFFFFFFF decodes the bytes present; a chunk loop cannot hang', () => {
    const w = decodeWav(makeWav({ dataSize: 0xffffffff, data: new Uint8Array([0, 0x40, 0, 0xc0, 1]) }));
    expect(Array.from(w.channels[0])).toEqual([0.5, -0.5]);
    // 40,000 tiny junk chunks before the data: bounded walk, then 'no data chunk'
    const junk = new Uint8Array(12 + 8 * 70000);
    junk.set(makeWav({}).subarray(0, 12));
    for (let i = 0; i < 70000; i++) junk.set([0x4a, 0x55, 0x4e, 0x4b, 0, 0, 0, 0], 12 + 8 * i);
    expect(() => decodeWav(junk)).toThrow(InvalidWavError);
  });
});
