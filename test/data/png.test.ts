// Our PNG decoder (src/data/media/png.ts, used in browsers) against pngjs (what Node and Deno use): the
// committed fixture everywhere, and in Node every PNG of Debian's tuxpaint-stamps-default when installed
// (colour types 2, 3 at depths 1/4/8, 4 and 6), byte for byte. Malformed files: InvalidMediaError only.
import { describe, expect, it } from 'vitest';
import { decodePng, isInterlacedPng } from '../../src/data/media/png.ts';
import { decodeImage } from '../../src/data/media/image.ts';
import { InvalidMediaError } from '../../src/data/errors.ts';
import { listFiles } from '../../src/data/io.ts';
import { readRepoFile } from '../helpers/files.ts';
import { runnerRuntime } from '../helpers/runtime.ts';
import { Rng } from '../../src/data/rng.ts';

const node = runnerRuntime() === 'node';
const TUX = '/usr/share/tuxpaint/stamps';
let stamps: string[] = [];
if (node) {
  try {
    stamps = (listFiles(TUX, '') ?? []).filter((f) => f.endsWith('.png'));
  } catch {
    stamps = [];
  }
}

/** pngjs's RGBA (Node only: it is loaded with require). */
async function pngjsRgba(bytes: Uint8Array): Promise<Uint8Array> {
  const g = globalThis as { process?: { getBuiltinModule(id: string): unknown } };
  const { createRequire } = g.process!.getBuiltinModule('module') as { createRequire(u: string): (s: string) => { PNG: { sync: { read(b: unknown): { data: Uint8Array } } } } };
  const { Buffer } = g.process!.getBuiltinModule('buffer') as { Buffer: { from(b: Uint8Array): unknown } };
  return new Uint8Array(createRequire(import.meta.url)('pngjs').PNG.sync.read(Buffer.from(bytes)).data);
}

describe('PNG decoder', () => {
  it('the fixture: same pixels as decodeImage gives in this runtime (pngjs in Node/Deno)', async () => {
    const bytes = await readRepoFile('test/fixtures/data/media/rgba_5x7.png');
    const png = await decodePng(bytes, 'rgba_5x7.png');
    const img = await decodeImage(bytes, 'rgba_5x7.png');
    expect([png.width, png.height]).toEqual([img.width, img.height]);
    const n = img.width * img.height;
    expect(n).toBe(35);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) expect(img.rgb[c * n + i]).toBe(Math.fround(png.data[4 * i + c] / 255));
      expect(img.alpha[i]).toBe(Math.fround(png.data[4 * i + 3] / 255));
    }
  });
  // Node only: pngjs is required directly here, and the stamps are read from the file system.
  it.skipIf(!node || stamps.length === 0)(`every Tux Paint stamp (${stamps.length} PNGs): byte-identical to pngjs`, async () => {
    const fs = (globalThis as { process?: { getBuiltinModule(id: string): unknown } }).process!.getBuiltinModule('fs') as { readFileSync(p: string): Uint8Array };
    let px = 0;
    for (const f of stamps) {
      const bytes = new Uint8Array(fs.readFileSync(`${TUX}/${f}`));
      expect(isInterlacedPng(bytes)).toBe(false);
      const ours = await decodePng(bytes, f);
      const ref = await pngjsRgba(bytes);
      if (ours.data.length !== ref.length || ours.data.some((v, i) => v !== ref[i])) throw new Error(`${f}: differs from pngjs`);
      px += ours.width * ours.height;
    }
    expect(px).toBeGreaterThan(0);
  });
  it('every truncation and 200 corruptions of the fixture: a result or InvalidMediaError', async () => {
    const good = await readRepoFile('test/fixtures/data/media/rgba_5x7.png');
    const check = async (b: Uint8Array) => {
      try {
        await decodePng(b, 'fuzz');
      } catch (e) {
        if (!(e instanceof InvalidMediaError)) throw new Error(`not an InvalidMediaError: ${String(e)}`);
      }
    };
    for (let n = 0; n < good.length; n++) await check(good.subarray(0, n));
    const rng = new Rng(9);
    for (let k = 0; k < 200; k++) {
      const bad = good.slice();
      for (let j = 0; j < 1 + (k % 3); j++) bad[8 + rng.int(bad.length - 8)] = rng.int(256);
      await check(bad);
    }
  });
});
