// EBML, the binary container syntax of Matroska/WebM (RFC 8794): elements are (ID, size, payload) with
// IDs and sizes coded as variable-length integers (VINTs). Our own reader and writer, written from the RFC;
// every read is bounds-checked and a malformed file raises InvalidMediaError (never a RangeError or a hang).
import { InvalidMediaError } from '../../errors.ts';

/** Element IDs we read or write (RFC 8794 section 11; Matroska RFC 9559 section 5). IDs keep their marker bits. */
export const ID = {
  EBML: 0x1a45dfa3, EBMLVersion: 0x4286, EBMLReadVersion: 0x42f7, EBMLMaxIDLength: 0x42f2, EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282, DocTypeVersion: 0x4287, DocTypeReadVersion: 0x4285,
  Segment: 0x18538067, SeekHead: 0x114d9b74, Info: 0x1549a966, Tracks: 0x1654ae6b, Cluster: 0x1f43b675,
  Cues: 0x1c53bb6b, Tags: 0x1254c367, Chapters: 0x1043a770, Attachments: 0x1941a469,
  TimestampScale: 0x2ad7b1, Duration: 0x4489, MuxingApp: 0x4d80, WritingApp: 0x5741,
  TrackEntry: 0xae, TrackNumber: 0xd7, TrackUID: 0x73c5, TrackType: 0x83, CodecID: 0x86, CodecPrivate: 0x63a2,
  CodecDelay: 0x56aa, SeekPreRoll: 0x56bb, DefaultDuration: 0x23e383, FlagLacing: 0x9c,
  Video: 0xe0, PixelWidth: 0xb0, PixelHeight: 0xba, Audio: 0xe1, SamplingFrequency: 0xb5, Channels: 0x9f,
  Timestamp: 0xe7, SimpleBlock: 0xa3, BlockGroup: 0xa0, Block: 0xa1, ReferenceBlock: 0xfb, BlockDuration: 0x9b,
  Void: 0xec, CRC32: 0xbf,
} as const;

/** An element header: `id`, payload [`start`, `end`) in the buffer; `end` is -1 for an unknown size (live streams). */
export interface ElementHeader {
  id: number;
  start: number;
  end: number;
}

/** A cursor over a buffer that reads EBML and raises InvalidMediaError naming `name` on malformed input. */
export class EbmlReader {
  constructor(readonly buf: Uint8Array, readonly name: string) {}

  fail(what: string, at: number): never {
    throw new InvalidMediaError(`${this.name}: malformed WebM/Matroska file (${what} at byte ${at})`);
  }

  /** Length in bytes of the VINT starting at `pos` (1..8), from its leading zero bits. */
  private vintLength(pos: number, limit: number): number {
    if (pos >= limit) this.fail('unexpected end of data', pos);
    const b = this.buf[pos];
    if (b === 0) this.fail('invalid variable-length integer', pos);
    const len = Math.clz32(b) - 23; // 1 for 0b1xxxxxxx ... 8 for 0b00000001
    if (pos + len > limit) this.fail('unexpected end of data', pos);
    return len;
  }

  /** An element ID (marker kept, at most 4 bytes as Matroska allows). */
  readId(pos: number, limit: number): { id: number; next: number } {
    const len = this.vintLength(pos, limit);
    if (len > 4) this.fail('element ID longer than 4 bytes', pos);
    let id = 0;
    for (let i = 0; i < len; i++) id = id * 256 + this.buf[pos + i];
    return { id, next: pos + len };
  }

  /** A size VINT (marker removed); `unknown` when all value bits are 1 (RFC 8794 section 6.2). */
  readSize(pos: number, limit: number): { value: number; unknown: boolean; next: number } {
    const len = this.vintLength(pos, limit);
    let v = this.buf[pos] & (0xff >> len);
    let allOnes = v === 0xff >> len;
    for (let i = 1; i < len; i++) {
      const b = this.buf[pos + i];
      allOnes &&= b === 0xff;
      v = v * 256 + b;
    }
    if (!allOnes && v > Number.MAX_SAFE_INTEGER) this.fail('element size beyond 2^53', pos);
    return { value: allOnes ? -1 : v, unknown: allOnes, next: pos + len };
  }

  /** The header of the element at `pos`, its payload checked to lie within `limit`. */
  header(pos: number, limit: number): ElementHeader {
    const { id, next } = this.readId(pos, limit);
    const size = this.readSize(next, limit);
    if (size.unknown) return { id, start: size.next, end: -1 };
    const end = size.next + size.value;
    if (end > limit) this.fail(`element 0x${id.toString(16)} runs past its parent (size ${size.value})`, pos);
    return { id, start: size.next, end };
  }

  uint(h: ElementHeader): number {
    const n = h.end - h.start;
    if (n > 7) this.fail('unsigned integer longer than 7 bytes', h.start);
    let v = 0;
    for (let i = h.start; i < h.end; i++) v = v * 256 + this.buf[i];
    return v;
  }

  float(h: ElementHeader): number {
    const n = h.end - h.start;
    if (n === 0) return 0;
    if (n !== 4 && n !== 8) this.fail(`float of ${n} bytes`, h.start);
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + h.start, n);
    const v = n === 4 ? dv.getFloat32(0) : dv.getFloat64(0);
    if (!Number.isFinite(v)) this.fail('non-finite float', h.start);
    return v;
  }

  string(h: ElementHeader): string {
    let s = '';
    for (let i = h.start; i < h.end && this.buf[i] !== 0; i++) s += String.fromCharCode(this.buf[i]);
    return s;
  }

  bytes(h: ElementHeader): Uint8Array {
    return this.buf.subarray(h.start, h.end);
  }

  /** The children of a known-size master element, in order. */
  children(h: ElementHeader): ElementHeader[] {
    const out: ElementHeader[] = [];
    for (let p = h.start; p < h.end; ) {
      const c = this.header(p, h.end);
      if (c.end < 0) this.fail(`unknown-size element 0x${c.id.toString(16)} inside a sized one`, p);
      out.push(c);
      p = c.end;
    }
    return out;
  }
}

// ---- writing --------------------------------------------------------------------------------------------

/** The bytes of an element ID (IDs carry their own length in the marker). */
function idBytes(id: number): number[] {
  const out: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return out;
}

/** A size as the shortest VINT (all-ones values are reserved for "unknown", so they take one byte more). */
export function sizeVint(n: number): number[] {
  let len = 1;
  while (len < 8 && n >= 2 ** (7 * len) - 1) len++;
  const out = new Array<number>(len);
  let v = n;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[0] |= 0x80 >> (len - 1);
  return out;
}

/** One element: ID, size, payload. */
export function element(id: number, payload: Uint8Array | number[]): Uint8Array {
  const head = [...idBytes(id), ...sizeVint(payload.length)];
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

export function concat(parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function uintElement(id: number, v: number): Uint8Array {
  const b: number[] = [];
  for (let x = v; x > 0 || b.length === 0; x = Math.floor(x / 256)) b.unshift(x % 256);
  return element(id, b);
}

export function floatElement(id: number, v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v);
  return element(id, b);
}

export function stringElement(id: number, s: string): Uint8Array {
  return element(id, Array.from(s, (c) => c.charCodeAt(0) & 0x7f));
}
