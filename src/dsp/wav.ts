// RIFF/WAVE decoder: PCM 8/16/24/32-bit integer, IEEE float 32/64, WAVE_FORMAT_EXTENSIBLE, any channel
// count. Every size in the header is checked against the bytes actually present before anything is
// allocated, so a lying or hostile header costs at most O(input) memory and time and ends in InvalidWavError.
import { InvalidWavError } from '../errors.ts';

export interface DecodedWav {
  sampleRate: number;
  /** One Float32Array per channel, in [-1, 1) for integer PCM. */
  channels: Float32Array[];
  /** Container bits per sample and format, as found in the header. */
  bitsPerSample: number;
  format: 'pcm' | 'float';
}

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;
// KSDATAFORMAT_SUBTYPE_* GUID tail after the 2-byte format code: 00 00 00 00 10 00 80 00 00 AA 00 38 9B 71
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
const MAX_CHUNKS = 1 << 16;

function tag(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);
}

/**
 * Decodes a WAV file.
 * @example
 * ```ts
 * const { sampleRate, channels } = decodeWav(await (await fetch('a.wav')).arrayBuffer());
 * ```
 * @throws InvalidWavError for anything that is not a well-formed, supported WAV.
 */
export function decodeWav(input: ArrayBuffer | ArrayBufferView): DecodedWav {
  let bytes: Uint8Array;
  if (input instanceof ArrayBuffer) bytes = new Uint8Array(input);
  else if (ArrayBuffer.isView(input)) bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  else throw new InvalidWavError(`decodeWav expects an ArrayBuffer or Uint8Array, got ${input === null ? 'null' : typeof input}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.byteLength;
  if (len < 12) throw new InvalidWavError(`not a WAV file: ${len} bytes, a RIFF header needs 12`);
  const riff = tag(bytes, 0);
  if (riff !== 'RIFF') throw new InvalidWavError(`not a WAV file: starts with '${riff}', expected 'RIFF'${riff === 'RF64' || riff === 'RIFX' ? ` (${riff} is not supported)` : ''}`);
  if (tag(bytes, 8) !== 'WAVE') throw new InvalidWavError(`RIFF file of type '${tag(bytes, 8)}', expected 'WAVE'`);
  // The RIFF size may lie (streamed files write 0 or 0xFFFFFFFF); we walk the chunks that are really there.
  let fmt: { code: number; channels: number; rate: number; blockAlign: number; bits: number } | null = null;
  let data: { off: number; size: number } | null = null;
  let o = 12;
  for (let n = 0; o + 8 <= len && n < MAX_CHUNKS; n++) {
    const id = tag(bytes, o);
    const size = dv.getUint32(o + 4, true);
    const body = o + 8;
    const avail = len - body;
    if (id === 'fmt ') {
      if (size < 16 || size > avail) throw new InvalidWavError(`fmt chunk of ${size} bytes (${avail} present); need at least 16`);
      let code = dv.getUint16(body, true);
      const channels = dv.getUint16(body + 2, true);
      const rate = dv.getUint32(body + 4, true);
      const blockAlign = dv.getUint16(body + 12, true);
      const bits = dv.getUint16(body + 14, true);
      if (code === EXTENSIBLE) {
        if (size < 40) throw new InvalidWavError(`WAVE_FORMAT_EXTENSIBLE fmt chunk of ${size} bytes, need 40`);
        const sub = dv.getUint16(body + 24, true);
        for (let i = 0; i < 14; i++) {
          if (bytes[body + 26 + i] !== GUID_TAIL[i]) throw new InvalidWavError('WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID (only PCM and IEEE float are supported)');
        }
        code = sub;
      }
      fmt = { code, channels, rate, blockAlign, bits };
    } else if (id === 'data') {
      let s = size;
      if (s > avail) {
        // 0xFFFFFFFF / 0 mark a stream whose length was never written; anything else is a truncated file
        if (s === 0xffffffff) s = avail;
        else throw new InvalidWavError(`truncated WAV: the data chunk declares ${size} bytes but only ${avail} follow`);
      }
      data = { off: body, size: s };
      break; // samples found; trailing chunks (LIST, id3) are ignored
    }
    if (size > avail) break; // a trailing chunk that runs past the end: ignore it if data was already seen
    o = body + size + (size & 1); // chunks are word-aligned
  }
  if (!fmt) throw new InvalidWavError('no fmt chunk before the data: not a valid WAV');
  if (!data) throw new InvalidWavError('no data chunk: the WAV is truncated or empty');
  const { code, channels, rate, bits, blockAlign } = fmt;
  if (code !== PCM && code !== FLOAT) throw new InvalidWavError(`unsupported WAV format code ${code} (supported: 1 PCM, 3 IEEE float, 0xFFFE extensible of those)`);
  if (channels < 1) throw new InvalidWavError('WAV declares 0 channels');
  if (rate < 1) throw new InvalidWavError('WAV declares a sample rate of 0 Hz');
  const ok = code === PCM ? bits === 8 || bits === 16 || bits === 24 || bits === 32 : bits === 32 || bits === 64;
  if (!ok) throw new InvalidWavError(`unsupported ${code === PCM ? 'PCM' : 'float'} sample size ${bits} bits (PCM: 8/16/24/32, float: 32/64)`);
  const bps = bits / 8;
  if (blockAlign !== channels * bps) throw new InvalidWavError(`block align ${blockAlign} does not match ${channels} channels x ${bps} bytes`);
  const frames = Math.floor(data.size / blockAlign);
  const out: Float32Array[] = [];
  for (let c = 0; c < channels; c++) out.push(new Float32Array(frames)); // total <= 4 x the data bytes
  let p = data.off;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++, p += bps) {
      let v: number;
      if (code === FLOAT) {
        v = bits === 32 ? dv.getFloat32(p, true) : dv.getFloat64(p, true);
        if (!Number.isFinite(v)) throw new InvalidWavError(`sample ${i} of channel ${c} is ${v}: float WAV with non-finite samples`);
      } else if (bits === 16) v = dv.getInt16(p, true) / 32768;
      else if (bits === 8) v = (bytes[p] - 128) / 128;
      else if (bits === 24) v = (((bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16)) << 8) >> 8) / 8388608;
      else v = dv.getInt32(p, true) / 2147483648;
      out[c][i] = v;
    }
  }
  return { sampleRate: rate, channels: out, bitsPerSample: bits, format: code === FLOAT ? 'float' : 'pcm' };
}
