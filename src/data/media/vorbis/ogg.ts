// Ogg container (RFC 3533): pages -> packets of the first logical bitstream, plus its last granule position.
import { InvalidMediaError } from '../../errors.ts';

export interface OggPackets {
  packets: Uint8Array[];
  /** Granule position of the stream's last page (total PCM frames for Vorbis), or -1 if unknown. */
  lastGranule: number;
}

export function readOggPackets(bytes: Uint8Array, name: string): OggPackets {
  const packets: Uint8Array[] = [];
  let serial: number | null = null;
  let pending: Uint8Array[] = [];
  let lastGranule = -1;
  let o = 0;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (o + 27 <= bytes.length) {
    if (bytes[o] !== 0x4f || bytes[o + 1] !== 0x67 || bytes[o + 2] !== 0x67 || bytes[o + 3] !== 0x53) {
      if (packets.length === 0 && o === 0) throw new InvalidMediaError(`${name}: not an Ogg file`);
      o++; // resync on garbage
      continue;
    }
    const granLo = dv.getUint32(o + 6, true);
    const granHi = dv.getInt32(o + 10, true);
    const pageSerial = dv.getUint32(o + 14, true);
    const nseg = bytes[o + 26];
    const segs = o + 27;
    let body = segs + nseg;
    if (body > bytes.length) break;
    serial ??= pageSerial;
    const mine = pageSerial === serial;
    for (let s = 0; s < nseg; s++) {
      const len = bytes[segs + s];
      if (mine) pending.push(bytes.subarray(body, Math.min(body + len, bytes.length)));
      body += len;
      if (mine && len < 255) {
        packets.push(concat(pending));
        pending = [];
      }
    }
    if (mine && !(granLo === 0xffffffff && granHi === -1)) lastGranule = granHi * 4294967296 + granLo;
    o = body;
  }
  if (pending.length) packets.push(concat(pending)); // unterminated last packet
  return { packets, lastGranule };
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}
