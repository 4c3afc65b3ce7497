// Image decoding for datasets: PNG through `pngjs` (MIT, optional peer dependency) in Node and Deno; any
// format the browser decodes (JPEG, WebP, ...) through createImageBitmap in browsers and workers, except PNG:
// our own decoder (./png.ts) there, so the pixels are the same bytes as pngjs's.
import { importOptional } from '../optional.ts';
import { nodeBuiltin, nodeProcess } from '../../runtime.ts';
import { DatasetAssetError, InvalidMediaError } from '../errors.ts';
import { decodePng, isInterlacedPng, isPng } from './png.ts';

export interface DecodedImage {
  width: number;
  height: number;
  /** (3, H, W) in [0, 1]. */
  rgb: Float32Array;
  /** (H, W) in [0, 1]. */
  alpha: Float32Array;
}

interface PngjsSync {
  PNG: { sync: { read(buf: Uint8Array): { width: number; height: number; data: Uint8Array } } };
}
let pngjs: Promise<{ lib: PngjsSync; toBuffer: (b: Uint8Array) => Uint8Array }> | undefined;

function loadPngjs(): Promise<{ lib: PngjsSync; toBuffer: (b: Uint8Array) => Uint8Array }> {
  pngjs ??= (async () => {
    try {
      if (nodeProcess()) {
        const mod = nodeBuiltin<{ createRequire(u: string): (s: string) => unknown }>('module');
        const { Buffer } = nodeBuiltin<{ Buffer: { from(b: Uint8Array): Uint8Array } }>('buffer');
        return { lib: mod.createRequire(import.meta.url)('pngjs') as PngjsSync, toBuffer: (b) => Buffer.from(b) };
      }
      const lib = await importOptional<PngjsSync & { default?: PngjsSync }>('pngjs');
      const { Buffer } = await importOptional<{ Buffer: { from(b: Uint8Array): Uint8Array } }>('node:buffer');
      return { lib: lib.PNG ? lib : lib.default!, toBuffer: (b) => Buffer.from(b) };
    } catch (cause) {
      pngjs = undefined;
      throw new DatasetAssetError(`decoding PNG needs the optional package 'pngjs': \`npm install pngjs\` (${String((cause as Error)?.message ?? cause)})`, { cause });
    }
  })();
  return pngjs;
}

/** (3, H, W) RGB and (H, W) alpha in [0, 1] from RGBA bytes. */
export function fromRgba(width: number, height: number, data: ArrayLike<number>): DecodedImage {
  const n = width * height;
  const rgb = new Float32Array(3 * n);
  const alpha = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    rgb[i] = data[4 * i] / 255;
    rgb[n + i] = data[4 * i + 1] / 255;
    rgb[2 * n + i] = data[4 * i + 2] / 255;
    alpha[i] = data[4 * i + 3] / 255;
  }
  return { width, height, rgb, alpha };
}

/** Decodes an image file's bytes. `name` is used in error messages. */
export async function decodeImage(bytes: Uint8Array, name = 'image'): Promise<DecodedImage> {
  const g = globalThis as unknown as { Deno?: unknown; createImageBitmap?: typeof createImageBitmap; OffscreenCanvas?: typeof OffscreenCanvas };
  if (!nodeProcess() && !g.Deno && g.createImageBitmap && g.OffscreenCanvas) {
    // PNG ourselves (exact bytes, as pngjs gives in Node/Deno); other formats and Adam7 through the browser,
    // whose canvas round trip premultiplies alpha (semi-transparent colours may differ by a few levels)
    if (isPng(bytes) && !isInterlacedPng(bytes)) {
      const png = await decodePng(bytes, name);
      return fromRgba(png.width, png.height, png.data);
    }
    let bmp: ImageBitmap;
    try {
      bmp = await g.createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    } catch (cause) {
      throw new InvalidMediaError(`${name}: the browser could not decode this image (${String(cause)})`, { cause });
    }
    const canvas = new g.OffscreenCanvas(bmp.width, bmp.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bmp, 0, 0);
    const img = ctx.getImageData(0, 0, bmp.width, bmp.height, { colorSpace: 'srgb' });
    return fromRgba(bmp.width, bmp.height, img.data);
  }
  const sig = [0x89, 0x50, 0x4e, 0x47];
  if (!sig.every((b, i) => bytes[i] === b)) throw new InvalidMediaError(`${name}: not a PNG file (Node and Deno decode PNG only; convert other formats, e.g. \`ffmpeg -i in.jpg out.png\`)`);
  const { lib, toBuffer } = await loadPngjs();
  let png: { width: number; height: number; data: Uint8Array };
  try {
    png = lib.PNG.sync.read(toBuffer(bytes));
  } catch (cause) {
    throw new InvalidMediaError(`${name}: invalid PNG (${String((cause as Error)?.message ?? cause)})`, { cause });
  }
  return fromRgba(png.width, png.height, png.data);
}
