// A small WebM/Matroska demuxer (our own, from RFC 9559 and the WebM container notes): tracks and the
// coded frames of SimpleBlocks and BlockGroups, with timestamps in seconds, keyframe flags and all three
// lacings. Enough for WebCodecs to decode video files in browsers; it does not seek via Cues (clips are
// short, the whole file is read). Live files (MediaRecorder) with unknown-size Segments and Clusters work.
import { InvalidMediaError } from '../../errors.ts';
import { EbmlReader, ID, type ElementHeader } from './ebml.ts';

export interface WebmTrack {
  /** TrackNumber, as referenced by blocks. */
  number: number;
  kind: 'video' | 'audio' | 'other';
  /** Matroska codec ID, e.g. 'V_VP8', 'V_VP9', 'V_AV1', 'V_MPEG4/ISO/AVC', 'A_OPUS', 'A_VORBIS'. */
  codecId: string;
  codecPrivate?: Uint8Array;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
  /** Codec delay (e.g. Opus pre-skip) in seconds. */
  codecDelay?: number;
  /** Nominal frame duration in seconds, when the file states one. */
  defaultDuration?: number;
}

export interface WebmFrame {
  track: number;
  /** Presentation timestamp in seconds. */
  timestamp: number;
  key: boolean;
  data: Uint8Array;
}

export interface WebmFile {
  docType: string;
  /** Segment duration in seconds, when the file states it (live recordings often do not). */
  duration?: number;
  tracks: WebmTrack[];
  /** Coded frames of all tracks in file order. */
  frames: WebmFrame[];
}

/** True when the bytes start with an EBML header (WebM or Matroska). */
export function isEbml(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3;
}

/** Level-1 elements of a Segment: they end an unknown-size Cluster (RFC 9559 section 6.2). */
const SEGMENT_CHILDREN: ReadonlySet<number> = new Set([ID.SeekHead, ID.Info, ID.Tracks, ID.Cluster, ID.Cues, ID.Tags, ID.Chapters, ID.Attachments]);

/** Parses a whole WebM/Matroska file. Malformed input raises InvalidMediaError naming `name`. */
export function demuxWebm(bytes: Uint8Array, name = 'WebM'): WebmFile {
  const r = new EbmlReader(bytes, name);
  if (!isEbml(bytes)) throw new InvalidMediaError(`${name}: not a WebM/Matroska file (no EBML header)`);
  const head = r.header(0, bytes.length);
  if (head.end < 0) r.fail('unknown-size EBML header', 0);
  let docType = 'matroska';
  for (const c of r.children(head)) if (c.id === ID.DocType) docType = r.string(c);
  if (docType !== 'webm' && docType !== 'matroska') throw new InvalidMediaError(`${name}: EBML document type '${docType}' is not WebM or Matroska`);

  let pos = head.end;
  // skip top-level Void/CRC elements before the Segment
  let seg: ElementHeader | undefined;
  while (pos < bytes.length) {
    const h = r.header(pos, bytes.length);
    if (h.id === ID.Segment) {
      seg = h;
      break;
    }
    if (h.end < 0) r.fail('unknown-size top-level element', pos);
    pos = h.end;
  }
  if (!seg) throw new InvalidMediaError(`${name}: no Segment element`);
  const segEnd = seg.end < 0 ? bytes.length : seg.end;

  let scale = 1e6; // TimestampScale default: 1 ms ticks
  let durationTicks: number | undefined;
  const tracks: WebmTrack[] = [];
  const frames: WebmFrame[] = [];
  const raw: { track: number; ticks: number; key: boolean; data: Uint8Array[] }[] = [];
  for (let p = seg.start; p < segEnd; ) {
    const h = r.header(p, segEnd);
    if (h.id === ID.Cluster) {
      p = readCluster(r, h, segEnd, raw);
      continue;
    }
    if (h.end < 0) r.fail(`unknown-size element 0x${h.id.toString(16)} in the Segment`, p);
    if (h.id === ID.Info) {
      for (const c of r.children(h)) {
        if (c.id === ID.TimestampScale) scale = r.uint(c);
        else if (c.id === ID.Duration) durationTicks = r.float(c);
      }
      if (!(scale > 0)) r.fail('TimestampScale of 0', h.start);
    } else if (h.id === ID.Tracks) {
      for (const c of r.children(h)) if (c.id === ID.TrackEntry) tracks.push(readTrack(r, c));
    }
    p = h.end;
  }
  const s = scale / 1e9;
  for (const b of raw) {
    const t = tracks.find((x) => x.number === b.track);
    const step = t?.defaultDuration ?? 0; // laced frames after the first: the nominal duration apart
    b.data.forEach((data, k) => frames.push({ track: b.track, timestamp: b.ticks * s + k * step, key: b.key, data }));
  }
  return { docType, duration: durationTicks !== undefined ? durationTicks * s : undefined, tracks, frames };
}

function readTrack(r: EbmlReader, h: ElementHeader): WebmTrack {
  const t: WebmTrack = { number: 0, kind: 'other', codecId: '' };
  for (const c of r.children(h)) {
    switch (c.id) {
      case ID.TrackNumber: t.number = r.uint(c); break;
      case ID.TrackType: { const v = r.uint(c); t.kind = v === 1 ? 'video' : v === 2 ? 'audio' : 'other'; break; }
      case ID.CodecID: t.codecId = r.string(c); break;
      case ID.CodecPrivate: t.codecPrivate = r.bytes(c).slice(); break;
      case ID.CodecDelay: t.codecDelay = r.uint(c) / 1e9; break;
      case ID.DefaultDuration: t.defaultDuration = r.uint(c) / 1e9; break;
      case ID.Video:
        for (const v of r.children(c)) {
          if (v.id === ID.PixelWidth) t.width = r.uint(v);
          else if (v.id === ID.PixelHeight) t.height = r.uint(v);
        }
        break;
      case ID.Audio:
        for (const a of r.children(c)) {
          if (a.id === ID.SamplingFrequency) t.sampleRate = r.float(a);
          else if (a.id === ID.Channels) t.channels = r.uint(a);
        }
        break;
    }
  }
  if (t.number === 0) r.fail('TrackEntry without a TrackNumber', h.start);
  return t;
}

/** Reads one Cluster (known or unknown size); returns the position after it. */
function readCluster(r: EbmlReader, h: ElementHeader, segEnd: number, out: { track: number; ticks: number; key: boolean; data: Uint8Array[] }[]): number {
  const end = h.end < 0 ? segEnd : h.end;
  let base = 0;
  let p = h.start;
  while (p < end) {
    const { id } = r.readId(p, end);
    if (h.end < 0 && SEGMENT_CHILDREN.has(id)) return p; // an unknown-size Cluster ends at the next level-1 element
    const c = r.header(p, end);
    if (c.end < 0) r.fail(`unknown-size element 0x${c.id.toString(16)} in a Cluster`, p);
    if (c.id === ID.Timestamp) base = r.uint(c);
    else if (c.id === ID.SimpleBlock) out.push(readBlock(r, c, base, true));
    else if (c.id === ID.BlockGroup) {
      let block: ElementHeader | undefined;
      let referenced = false;
      for (const g of r.children(c)) {
        if (g.id === ID.Block) block = g;
        else if (g.id === ID.ReferenceBlock) referenced = true;
      }
      if (block) {
        const b = readBlock(r, block, base, false);
        b.key = !referenced; // a Block without ReferenceBlock is a keyframe (RFC 9559 section 10.2)
        out.push(b);
      }
    }
    p = c.end;
  }
  return end;
}

/** A (Simple)Block: track VINT, int16 relative timestamp, flags, then one frame or a lace of frames. */
function readBlock(r: EbmlReader, h: ElementHeader, base: number, simple: boolean): { track: number; ticks: number; key: boolean; data: Uint8Array[] } {
  const buf = r.buf;
  const tn = r.readSize(h.start, h.end);
  let p = tn.next;
  if (p + 3 > h.end) r.fail('block shorter than its header', h.start);
  const rel = ((buf[p] << 8) | buf[p + 1]) << 16 >> 16; // signed 16-bit
  const flags = buf[p + 2];
  p += 3;
  const key = simple && (flags & 0x80) !== 0;
  const lacing = (flags >> 1) & 3;
  const ticks = base + rel;
  if (lacing === 0) return { track: tn.value, ticks, key, data: [buf.subarray(p, h.end)] };
  if (p >= h.end) r.fail('laced block without a frame count', p);
  const count = buf[p++] + 1;
  const sizes: number[] = [];
  if (lacing === 1) {
    // Xiph lacing: each size but the last as a run of 255s plus a final byte
    for (let k = 0; k < count - 1; k++) {
      let s = 0;
      for (;;) {
        if (p >= h.end) r.fail('truncated Xiph lace sizes', p);
        const b = buf[p++];
        s += b;
        if (b !== 255) break;
      }
      sizes.push(s);
    }
  } else if (lacing === 3) {
    // EBML lacing: the first size as a VINT, then signed VINT differences (value - (2^(7n-1) - 1))
    const first = r.readSize(p, h.end);
    p = first.next;
    sizes.push(first.value);
    for (let k = 1; k < count - 1; k++) {
      const d = r.readSize(p, h.end);
      const len = d.next - p;
      p = d.next;
      sizes.push(sizes[k - 1] + d.value - (2 ** (7 * len - 1) - 1));
    }
  } else {
    const total = h.end - p;
    if (total % count !== 0) r.fail(`fixed-size lace of ${total} bytes in ${count} frames`, p);
    for (let k = 0; k < count - 1; k++) sizes.push(total / count);
  }
  const used = sizes.reduce((a, b) => a + b, 0);
  if (sizes.some((s) => s < 0) || p + used > h.end) r.fail('lace sizes exceed the block', p);
  sizes.push(h.end - p - used);
  const data: Uint8Array[] = [];
  for (const s of sizes) {
    data.push(buf.subarray(p, p + s));
    p += s;
  }
  return { track: tn.value, ticks, key, data };
}
