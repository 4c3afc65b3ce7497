// RIFF/WAVE decoding: PCM 8/16/24/32-bit integer and 32/64-bit float, any channel count, including
// WAVE_FORMAT_EXTENSIBLE. Integer samples map to [-1, 1) as scipy/libsndfile do (x / 2^(bits-1); 8-bit is
// unsigned with offset 128).
import { InvalidMediaError } from '../errors.ts';

export interface DecodedAudio {
  sampleRate: number;
  /** One Float32Array per channel. */
  channels: Float32Array[];
}

/**
 * Decodes a WAV file. `name` is used in error messages.
 *
 * @example
 * ```ts
 * const { sampleRate, channels } = decodeWav(new Uint8Array(await (await fetch('a.wav')).arrayBuffer()));
 * ```
 */
export function decodeWav(bytes: Uint8Array, name = 'WAV'): DecodedAudio {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (o: number) => String.fromCharCode(bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]);
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new InvalidMediaError(`${name}: not a RIFF/WAVE file`);
  let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
  let data: [number, number] | null = null;
  for (let o = 12; o + 8 <= bytes.length; ) {
    const id = tag(o);
    const size = dv.getUint32(o + 4, true);
    const body = o + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new InvalidMediaError(`${name}: fmt chunk too short (${size} bytes)`);
      let format = dv.getUint16(body, true);
      if (format === 0xfffe && size >= 26) format = dv.getUint16(body + 24, true); // EXTENSIBLE: sub-format GUID's first 2 bytes
      fmt = { format, channels: dv.getUint16(body + 2, true), rate: dv.getUint32(body + 4, true), bits: dv.getUint16(body + 14, true) };
    } else if (id === 'data') {
      data = [body, Math.min(size, bytes.length - body)]; // tolerate a truncated last chunk
    }
    o = body + size + (size & 1);
  }
  if (!fmt) throw new InvalidMediaError(`${name}: no fmt chunk`);
  if (!data) throw new InvalidMediaError(`${name}: no data chunk`);
  const { format, channels: nc, rate, bits } = fmt;
  if (nc < 1 || rate < 1) throw new InvalidMediaError(`${name}: ${nc} channels at ${rate} Hz`);
  const isFloat = format === 3;
  if (!(format === 1 || isFloat) || (isFloat && bits !== 32 && bits !== 64) || (!isFloat && ![8, 16, 24, 32].includes(bits))) {
    throw new InvalidMediaError(`${name}: unsupported WAV encoding (format ${format}, ${bits} bits); expected PCM 8/16/24/32-bit or float 32/64-bit`);
  }
  const bps = bits / 8;
  const frames = Math.floor(data[1] / (bps * nc));
  const channels = Array.from({ length: nc }, () => new Float32Array(frames));
  let p = data[0];
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nc; c++, p += bps) {
      let v: number;
      if (isFloat) v = bits === 32 ? dv.getFloat32(p, true) : dv.getFloat64(p, true);
      else if (bits === 8) v = (bytes[p] - 128) / 128;
      else if (bits === 16) v = dv.getInt16(p, true) / 32768;
      else if (bits === 24) v = (((bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16)) << 8) >> 8) / 8388608;
      else v = dv.getInt32(p, true) / 2147483648;
      channels[c][i] = v;
    }
  }
  return { sampleRate: rate, channels };
}

/** Mean of the channels (mono mix-down). */
export function toMono(a: DecodedAudio): Float32Array {
  if (a.channels.length === 1) return a.channels[0];
  const n = a.channels[0].length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const ch of a.channels) s += ch[i];
    out[i] = s / a.channels.length;
  }
  return out;
}
