// Vorbis bit packing (LSB first) and codebooks: canonical Huffman codes from lengths, VQ lookup tables
// (Vorbis I specification, sections 2 and 3).
import { InvalidMediaError } from '../../errors.ts';

/** Thrown (internally) when a packet ends mid-field; audio decode treats it as the spec says. */
export class EndOfPacket extends Error {}

export class BitReader {
  private pos = 0; // bit position
  constructor(private readonly buf: Uint8Array) {}
  /** Reads n <= 32 bits as an unsigned integer. */
  read(n: number): number {
    if (n === 0) return 0;
    if (this.pos + n > this.buf.length * 8) {
      this.pos = this.buf.length * 8;
      throw new EndOfPacket();
    }
    let v = 0;
    for (let i = 0; i < n; ) {
      const byte = this.buf[this.pos >>> 3];
      const bit = this.pos & 7;
      const take = Math.min(8 - bit, n - i);
      v += ((byte >>> bit) & ((1 << take) - 1)) * 2 ** i;
      i += take;
      this.pos += take;
    }
    return v;
  }
  flag(): boolean {
    return this.read(1) === 1;
  }
}

/** ilog(x): the position of the highest set bit, 1-based (ilog(0) = 0). */
export function ilog(x: number): number {
  let n = 0;
  while (x > 0) {
    n++;
    x = Math.floor(x / 2);
  }
  return n;
}

function float32Unpack(x: number): number {
  const mantissa = x & 0x1fffff;
  const exponent = (x & 0x7fe00000) >>> 21;
  const v = mantissa * 2 ** (exponent - 788);
  return x & 0x80000000 ? -v : v;
}

/** The largest r with r^dims <= entries. */
export function lookup1Values(entries: number, dims: number): number {
  let r = Math.floor(entries ** (1 / dims));
  while ((r + 1) ** dims <= entries) r++;
  while (r > 0 && r ** dims > entries) r--;
  return r;
}

export class Codebook {
  readonly dims: number;
  readonly entries: number;
  /** Binary decode tree: node k has children tree[2k], tree[2k+1]; value >= 0 is a child node, < 0 is -(entry + 1). */
  private tree: Int32Array;
  /** VQ vectors, (entries, dims), or null for scalar-only books. */
  readonly vq: Float32Array | null;

  constructor(r: BitReader, name: string) {
    if (r.read(24) !== 0x564342) throw new InvalidMediaError(`${name}: bad Vorbis codebook sync`);
    this.dims = r.read(16);
    this.entries = r.read(24);
    const lengths = new Int8Array(this.entries); // 0 = unused
    if (r.flag()) {
      // ordered
      let cur = 0;
      let len = r.read(5) + 1;
      while (cur < this.entries) {
        const num = r.read(ilog(this.entries - cur));
        if (cur + num > this.entries) throw new InvalidMediaError(`${name}: bad ordered codebook`);
        lengths.fill(len, cur, cur + num);
        cur += num;
        len++;
      }
    } else {
      const sparse = r.flag();
      for (let e = 0; e < this.entries; e++) lengths[e] = !sparse || r.flag() ? r.read(5) + 1 : 0;
    }
    this.tree = buildTree(lengths, name);
    const lookupType = r.read(4);
    this.vq = null;
    if (lookupType === 1 || lookupType === 2) {
      const min = float32Unpack(r.read(32));
      const delta = float32Unpack(r.read(32));
      const valueBits = r.read(4) + 1;
      const seqP = r.flag();
      const nvals = lookupType === 1 ? lookup1Values(this.entries, this.dims) : this.entries * this.dims;
      const mult = new Uint32Array(nvals);
      for (let i = 0; i < nvals; i++) mult[i] = r.read(valueBits);
      const vq = new Float32Array(this.entries * this.dims);
      for (let e = 0; e < this.entries; e++) {
        let last = 0;
        let div = 1;
        for (let d = 0; d < this.dims; d++) {
          const off = lookupType === 1 ? Math.floor(e / div) % nvals : e * this.dims + d;
          const v = Math.fround(Math.fround(mult[off] * delta) + min) + last;
          vq[e * this.dims + d] = v;
          if (seqP) last = v;
          div *= nvals;
        }
      }
      this.vq = vq;
    } else if (lookupType !== 0) {
      throw new InvalidMediaError(`${name}: unknown codebook lookup type ${lookupType}`);
    }
  }

  /** Decodes one entry number. */
  decode(r: BitReader): number {
    let node = 0;
    for (;;) {
      const next = this.tree[2 * node + r.read(1)];
      if (next < 0) return -next - 1;
      if (next === 0) throw new EndOfPacket(); // undefined code: treat as a corrupt/ended packet
      node = next;
    }
  }
}

/** Canonical codeword assignment (spec 3.2.1): entries in order take the lowest free codeword of their length. */
function buildTree(lengths: Int8Array, name: string): Int32Array {
  const used: number[] = [];
  for (let e = 0; e < lengths.length; e++) if (lengths[e] > 0) used.push(e);
  const tree: number[] = [0, 0];
  if (used.length === 1) {
    // a single codeword: every path of its length decodes to it
    tree[0] = tree[1] = -(used[0] + 1);
    return Int32Array.from(tree);
  }
  const available = new Array<number>(33).fill(0); // MSB-first codewords as numbers < 2^32
  let first = true;
  for (const e of used) {
    const len = lengths[e];
    let code: number;
    if (first) {
      code = 0;
      for (let i = 1; i <= len; i++) available[i] = 2 ** (32 - i);
      first = false;
    } else {
      let z = len;
      while (z > 0 && available[z] === 0) z--;
      if (z === 0) throw new InvalidMediaError(`${name}: over-specified Huffman codebook`);
      code = available[z];
      available[z] = 0;
      for (let y = len; y > z; y--) available[y] = code + 2 ** (32 - y);
    }
    // insert: bits from the most significant (read first from the stream)
    let node = 0;
    for (let i = 0; i < len; i++) {
      const bit = Math.floor(code / 2 ** (31 - i)) & 1;
      const slot = 2 * node + bit;
      if (i === len - 1) {
        tree[slot] = -(e + 1);
      } else {
        if (tree[slot] <= 0) {
          if (tree[slot] < 0) throw new InvalidMediaError(`${name}: prefix clash in Huffman codebook`);
          tree[slot] = tree.length / 2;
          tree.push(0, 0);
        }
        node = tree[slot];
      }
    }
  }
  return Int32Array.from(tree);
}
