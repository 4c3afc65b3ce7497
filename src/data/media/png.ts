// Our own PNG decoder (W3C PNG spec, 2nd ed.) for browsers, where createImageBitmap + canvas round-trips
// pixels through premultiplied alpha and so changes semi-transparent colours: decoding the bytes ourselves
// keeps datasets bit-identical to Node/Deno, which decode with pngjs. Same output conventions as pngjs's
// `PNG.sync.read`: 8-bit RGBA; palette entries take their alpha from tRNS (255 without); a grey/RGB
// tRNS colour becomes (0, 0, 0, 0); other bit depths are rescaled with floor(v * 255 / max + 0.5).
// Non-interlaced images only (the caller falls back to the browser for Adam7). zlib data is inflated with
// the platform's DecompressionStream('deflate').
import { InvalidMediaError } from '../errors.ts';

export interface RgbaImage {
  width: number;
  height: number;
  /** (H, W, 4) RGBA bytes. */
  data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** True for an interlaced (Adam7) PNG, which decodePng leaves to the browser. */
export function isInterlacedPng(bytes: Uint8Array): boolean {
  return isPng(bytes) && bytes.length >= 29 && bytes[28] === 1;
}

async function inflate(data: Uint8Array, name: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (cause) {
    throw new InvalidMediaError(`${name}: invalid PNG (corrupt zlib data: ${String((cause as Error)?.message ?? cause)})`, { cause });
  }
}

/** Decodes a non-interlaced PNG to 8-bit RGBA (pngjs conventions, see the file header). */
export async function decodePng(bytes: Uint8Array, name = 'PNG'): Promise<RgbaImage> {
  const bad = (why: string): never => {
    throw new InvalidMediaError(`${name}: invalid PNG (${why})`);
  };
  if (!isPng(bytes)) bad('no PNG signature');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0, height = 0, depth = 0, colorType = -1;
  let palette: Uint8Array | null = null, trns: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let pos = 8;
  for (let ended = false; !ended; ) {
    if (pos + 12 > bytes.length) bad('truncated chunk');
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (len > bytes.length - pos - 12) bad(`chunk ${type} runs past the end`);
    const body = bytes.subarray(pos + 8, pos + 8 + len);
    if (pos === 8 && type !== 'IHDR') bad('IHDR is not the first chunk');
    switch (type) {
      case 'IHDR': {
        if (len !== 13) bad('IHDR of wrong length');
        width = dv.getUint32(pos + 8);
        height = dv.getUint32(pos + 12);
        depth = body[8];
        colorType = body[9];
        if (body[10] !== 0 || body[11] !== 0) bad('unknown compression or filter method');
        if (body[12] !== 0) bad('interlaced (Adam7) images are not decoded here');
        const depths: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
        if (!depths[colorType]?.includes(depth)) bad(`colour type ${colorType} with bit depth ${depth}`);
        if (width === 0 || height === 0 || width * height > 1 << 28) bad(`size ${width}x${height}`);
        break;
      }
      case 'PLTE': palette = body; break;
      case 'tRNS': trns = body; break;
      case 'IDAT': idat.push(body); break;
      case 'IEND': ended = true; break;
    }
    pos += 12 + len;
  }
  if (idat.length === 0) bad('no image data');
  if (colorType === 3 && !palette) bad('palette image without PLTE');
  const total = idat.reduce((s, c) => s + c.length, 0);
  const z = new Uint8Array(total);
  let o = 0;
  for (const c of idat) {
    z.set(c, o);
    o += c.length;
  }
  const raw = await inflate(z, name);
  const ch = CHANNELS[colorType];
  const bpp = Math.max(1, (ch * depth) >> 3); // filter distance in bytes
  const stride = Math.ceil((width * ch * depth) / 8);
  if (raw.length < height * (stride + 1)) bad(`image data too short (${raw.length} bytes for ${height} rows of ${stride})`);
  unfilter(raw, height, stride, bpp, bad);

  // samples -> RGBA with pngjs's conventions
  const out = new Uint8Array(width * height * 4);
  const max = 2 ** depth - 1;
  const scale = (v: number) => (depth === 8 ? v : Math.floor((v * 255) / max + 0.5));
  const trnsKey = trns && colorType !== 3 ? Array.from({ length: colorType === 0 ? 1 : 3 }, (_, i) => (trns![2 * i] << 8) | trns![2 * i + 1]) : null;
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) + 1;
    const sample = (x: number, c: number): number => {
      if (depth === 8) return raw[row + x * ch + c];
      if (depth === 16) {
        const p = row + 2 * (x * ch + c);
        return (raw[p] << 8) | raw[p + 1];
      }
      const bit = (x * ch + c) * depth; // sub-byte depths: grey or palette, one channel, MSB first
      return (raw[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & max;
    };
    for (let x = 0; x < width; x++) {
      const q = 4 * (y * width + x);
      if (colorType === 3) {
        const i = sample(x, 0);
        if (3 * i + 2 >= palette!.length) bad(`palette index ${i} out of range`);
        out[q] = palette![3 * i];
        out[q + 1] = palette![3 * i + 1];
        out[q + 2] = palette![3 * i + 2];
        out[q + 3] = trns && i < trns.length ? trns[i] : 255;
        continue;
      }
      const g = colorType === 0 || colorType === 4;
      const r = sample(x, 0), gg = g ? r : sample(x, 1), b = g ? r : sample(x, 2);
      const a = colorType === 4 ? sample(x, 1) : colorType === 6 ? sample(x, 3) : max;
      if (trnsKey && (g ? trnsKey[0] === r : trnsKey[0] === r && trnsKey[1] === gg && trnsKey[2] === b)) continue; // stays (0, 0, 0, 0)
      out[q] = scale(r);
      out[q + 1] = scale(gg);
      out[q + 2] = scale(b);
      out[q + 3] = scale(a);
    }
  }
  return { width, height, data: out };
}

/** Reverses the per-row filters in place (filter byte + `stride` bytes per row). */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number, bad: (why: string) => never): void {
  for (let y = 0; y < height; y++) {
    const r = y * (stride + 1);
    const f = raw[r];
    const prev = r - (stride + 1); // previous row's filter byte; its data starts at prev + 1
    for (let i = 1; i <= stride; i++) {
      const a = i > bpp ? raw[r + i - bpp] : 0;
      const b = y > 0 ? raw[prev + i] : 0;
      const c = y > 0 && i > bpp ? raw[prev + i - bpp] : 0;
      let v: number;
      switch (f) {
        case 0: continue;
        case 1: v = a; break;
        case 2: v = b; break;
        case 3: v = (a + b) >> 1; break;
        case 4: {
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          v = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: return bad(`unknown filter type ${f} in row ${y}`);
      }
      raw[r + i] = (raw[r + i] + v) & 0xff;
    }
  }
}
