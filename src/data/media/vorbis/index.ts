// Ogg Vorbis decoding, our own implementation of the Vorbis I specification (xiph.org), checked against
// libvorbis (test/fixtures/gen/data_vorbis.py). Floor type 0 (an early format current encoders do not write) is rejected.
import { InvalidMediaError } from '../../errors.ts';
import type { DecodedAudio } from '../wav.ts';
import { EndOfPacket } from './bits.ts';
import { decodeAudioPackets } from './decode.ts';
import { readOggPackets } from './ogg.ts';
import { parseSetup } from './setup.ts';

/** Decodes an Ogg Vorbis file to float PCM, one Float32Array per channel. */
export function decodeOggVorbis(bytes: Uint8Array, name = 'Ogg Vorbis'): DecodedAudio {
  const { packets, lastGranule } = readOggPackets(bytes, name);
  if (packets.length < 3) throw new InvalidMediaError(`${name}: truncated Ogg Vorbis stream (${packets.length} packets)`);
  let setup;
  try {
    setup = parseSetup(packets[0], packets[2], name);
  } catch (e) {
    if (e instanceof EndOfPacket) throw new InvalidMediaError(`${name}: truncated Vorbis header`);
    throw e;
  }
  const channels = decodeAudioPackets(setup, packets.slice(3), lastGranule);
  return { sampleRate: setup.sampleRate, channels };
}
