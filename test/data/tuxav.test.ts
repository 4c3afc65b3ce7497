// TuxAV from Debian's tuxpaint-stamps-default. Skipped when the package is not installed (CI installs it with
// .ci/setup-data.sh). Browsers cannot list directories: there the Chromium runner serves the stamps at
// /__system/tuxpaint/stamps/ with their file list (/__system/tuxpaint/files.txt), as a user would.
import { describe, expect, it } from 'vitest';
import { datasets } from '../../src/index.ts';
import { loadCatalogue, loadCatalogueFromList, TUXPAINT_ROOT } from '../../src/data/tuxav/catalogue.ts';
import { DatasetAssetError, DatasetRuntimeError } from '../../src/data/errors.ts';
import { InvalidArgumentError } from '../../src/errors.ts';
import { fnv1a } from '../../src/data/rng.ts';
import { readRepoJson } from '../helpers/files.ts';
import { runnerRuntime } from '../helpers/runtime.ts';
import { TUX_CASES } from './tuxav_cases.ts';

const browser = runnerRuntime() === 'browser';
/** Where the stamps are: the package directory (Node, Deno) or the runner's HTTP copy with its file list. */
const where: { root?: string; files?: string } = browser ? { root: '/__system/tuxpaint/stamps', files: '/__system/tuxpaint/files.txt' } : {};
let installed = false;
try {
  installed = browser ? (await loadCatalogueFromList(where.root!, where.files!)).stamps.length > 0 : loadCatalogue(TUXPAINT_ROOT).stamps.length > 0;
} catch {
  installed = false;
}
const skip = !installed;
const catalogue = () => (browser ? loadCatalogueFromList(where.root!, where.files!) : Promise.resolve(loadCatalogue(TUXPAINT_ROOT)));

describe('TuxAV', () => {
  it.skipIf(skip)('splits hold out languages; labels are the category and identity of the stamp shown', async () => {
    const test = await datasets.tuxAv({ split: 'test', preset: 'tiny', ...where });
    const train = await datasets.tuxAv({ split: 'train', preset: 'tiny', size: 5, ...where });
    expect(test.languages).toEqual(['bg', 'el', 'nl']);
    for (const l of test.languages) expect(train.languages).not.toContain(l);
    expect(train.length).toBe(5);
    for (const i of [0, 1, 2]) {
      const it0 = await test.get(i);
      expect(test.languages).toContain(it0.language);
      expect(it0.label).toBe(test.catalogue.categories.indexOf(test.catalogue.stamps[it0.identity!].category));
      expect(it0.video).toHaveLength(3 * 8 * 32 * 32);
      expect(it0.audio).toHaveLength(16000);
      let peak = 0;
      for (const v of it0.audio) peak = Math.max(peak, Math.abs(v));
      expect(peak).toBeGreaterThan(0.05);
      expect(peak).toBeLessThanOrEqual(1);
    }
    const t = await train.get(0);
    expect(t.label).toBeUndefined();
    expect(train.languages).toContain(t.language);
  });

  it.skipIf(skip)('reproduces the hashes generated in Node (any access order)', async () => {
    const fx = await readRepoJson<{ stamps: number; cases: { name: string; index: number; video: string; audio: string; label: number | null; identity: number | null; language: string }[] }>('test/fixtures/data/tuxav_hashes.json');
    if ((await catalogue()).stamps.length !== fx.stamps) return; // another package version: different pictures
    for (const c of TUX_CASES) {
      const ds = await datasets.tuxAv({ ...c.options, ...where });
      for (const i of [...c.indices].reverse()) {
        const item = await ds.get(i, { shift: c.shift ?? 0 });
        const want = fx.cases.find((x) => x.name === c.name && x.index === i)!;
        expect({ video: fnv1a(item.video), audio: fnv1a(item.audio), label: item.label ?? null, identity: item.identity ?? null, language: item.language }).toEqual({ video: want.video, audio: want.audio, label: want.label, identity: want.identity, language: want.language });
      }
    }
  });

  it.skipIf(skip)('batches', async () => {
    const ds = await datasets.tuxAv({ split: 'test', preset: 'tiny', ...where });
    const b = await ds.batchArrays([0, 1], { augment: true, augmentOn: 'cpu', seed: 1 });
    expect(b.videoShape).toEqual([2, 3, 8, 32, 32]);
    expect(b.labels).toHaveLength(2);
  });

  it.skipIf(browser)('a missing package names the apt package; bad options are typed errors', async () => {
    const err = await datasets.tuxAv({ root: '/nonexistent/tuxpaint/stamps' }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetAssetError);
    expect(String(err.message)).toMatch(/apt-get install tuxpaint-stamps-default/);
    await expect(datasets.tuxAv({ noise: 2 })).rejects.toThrow(InvalidArgumentError);
  });
  it.skipIf(skip)('a file list gives the same catalogue as the directory (./ prefixes, comments, order ignored)', async () => {
    const ref = await catalogue();
    const paths = ref.stamps.flatMap((st) => [`${st.id}.png`, ...st.speech.values(), ...(st.effect ? [st.effect] : [])]);
    const shuffled = ['# a comment', '', ...paths.reverse().map((p, k) => (k % 2 ? `./${p}` : p))];
    const c = await loadCatalogueFromList(where.root ?? TUXPAINT_ROOT, shuffled);
    expect(c.stamps.map((st) => [st.id, [...st.speech.entries()].sort(), st.effect])).toEqual(ref.stamps.map((st) => [st.id, [...st.speech.entries()].sort(), st.effect]));
    expect(c.languages).toEqual(ref.languages);
  });
  it.skipIf(!browser)('in a browser without a file list: DatasetRuntimeError saying how to make one', async () => {
    const e = await datasets.tuxAv({ root: '/__system/tuxpaint/stamps' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DatasetRuntimeError);
    expect((e as Error).message).toMatch(/find \. -type f \| sort/);
  });
});
