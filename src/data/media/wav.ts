// WAV input for the data loaders: the audio frontend's decoder (src/dsp/wav.ts, the public `decodeWav`)
// with the file's name added to its errors, plus a mono mix-down.
import { decodeWav, type DecodedWav } from '../../dsp/wav.ts';
import { InvalidWavError } from '../../errors.ts';
import { InvalidMediaError } from '../errors.ts';

export type DecodedAudio = Pick<DecodedWav, 'sampleRate' | 'channels'>;

/** Decodes a WAV file; a malformed one raises InvalidMediaError naming `name` (a path or URL). */
export function decodeWavFile(bytes: Uint8Array, name: string): DecodedWav {
  try {
    return decodeWav(bytes);
  } catch (e) {
    if (e instanceof InvalidWavError) throw new InvalidMediaError(`${name}: ${e.message}`, { cause: e });
    throw e;
  }
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
