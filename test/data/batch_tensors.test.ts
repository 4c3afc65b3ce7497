// ds.batch(): engine Tensors ready for the encoders. The video tensor must hold exactly what batchArrays()
// delivers for the same seed, the audio tensor the frontend's log-mel of the batch's own waveforms
// (SpecAugmented like the cell-by-cell TS reference for the derived seed), and repeated batches must not
// grow GPU memory. Data: the manifest fixture (a 12-frame colour ramp video + a ramp WAV), tiny sizes.
import { beforeAll, describe, expect, it } from 'vitest';
import { datasets } from '../../src/index.ts';
import { AudioFrontend } from '../../src/dsp/frontend.ts';
import { melFilterbank } from '../../src/dsp/filters.ts';
import { specAugmentReference } from '../../src/dsp/reference.ts';
import { InvalidArgumentError } from '../../src/errors.ts';
import { getDevice, type Device } from '../../src/gpu/device.ts';
import { contextOf, Tensor } from '../../src/tensor/tensor.ts';
import { PRESETS, type ClipPreset } from '../../src/data/presets.ts';
import { specAugmentFor, specAugmentSeed } from '../../src/data/batch.ts';
import type { ManifestDataset } from '../../src/data/manifest.ts';
import { repoUrl } from '../helpers/files.ts';
import { expectAllClose } from '../helpers/close.ts';

// 0.5 s at 16 kHz = 8000 samples; nFft 256, hop 125, center -> 1 + 64 = 65 frames, 32 mels
const feats = { sampleRate: 16000, nFft: 256, hopLength: 125, nMels: 32, log: { offset: 1e-6 } };
const preset: ClipPreset = { frames: 4, stride: 2, fps: 10, height: 6, width: 8, audioSeconds: 0.5, sampleRate: 16000, audioFeatures: feats };
const frames = Array.from({ length: 12 }, (_, k) => `video/${String(k).padStart(4, '0')}.png`);
const entries = [
  { frames, fps: 10, audio: 'video.wav', label: 1 },
  { frames, fps: 10, audio: 'video.wav', label: 2 },
  { frames: frames.slice(0, 3), fps: 10, audio: 'video.wav', label: 0 },
];

let device: Device;
let fe: AudioFrontend;
let ds: ManifestDataset;

beforeAll(async () => {
  device = await getDevice();
  fe = await AudioFrontend.create();
  ds = await datasets.fromManifest({ entries, baseUrl: repoUrl('test/fixtures/data/media/'), preset });
});

function same(got: Float32Array, ref: Float32Array, what: string): void {
  expect(got.length).toBe(ref.length);
  let bad = -1;
  for (let i = 0; i < got.length && bad < 0; i++) if (!Object.is(got[i], ref[i])) bad = i;
  expect(`${what}: first difference at ${bad}`).toBe(`${what}: first difference at -1`);
}

describe('clip presets: audioFeatures', () => {
  const cases: Array<[string, number, number, number]> = [
    ['tiny', 16000, 64, 64],
    ['small', 24000, 128, 128],
    ['paper', 48000, 128, 128],
  ];
  for (const [name, samples, bands, nFrames] of cases) {
    it(`${name}: ${samples} samples -> ${bands} x ${nFrames}, every mel filter non-empty`, () => {
      const P = PRESETS[name as 'tiny'];
      const f = P.audioFeatures!;
      expect(Math.round(P.audioSeconds * P.sampleRate)).toBe(samples);
      expect(f.sampleRate).toBe(P.sampleRate);
      expect(fe.outputShape(samples, f)).toEqual({ bands, frames: nFrames });
      const nFreqs = f.nFft! / 2 + 1;
      const fb = melFilterbank(nFreqs, f.fMin ?? 0, f.fMax ?? f.sampleRate! / 2, f.nMels!, f.sampleRate!, null, 'htk');
      let empty = 0;
      for (let m = 0; m < f.nMels!; m++) {
        let s = 0;
        for (let k = 0; k < nFreqs; k++) s += fb[k * f.nMels! + m];
        if (!(s > 0)) empty++;
      }
      expect(empty).toBe(0);
    });
  }
});

describe('SpecAugment policy of batch(): time warp scaled to the frame count', () => {
  it('named policies: W * frames / 128 rounded, the rest as published; objects as given', () => {
    expect(specAugmentFor('SM', 128)).toEqual({ W: 40, F: 15, mF: 2, T: 70, p: 0.2, mT: 2 }); // paper / small: as published
    expect(specAugmentFor('SM', 64).W).toBe(20); // tiny: 40 * 64 / 128
    expect(specAugmentFor('SM', 65).W).toBe(20); // 20.3 (this file's 65-frame log-mel)
    expect(specAugmentFor('LB', 64).W).toBe(40);
    const own = { W: 9, F: 1, mF: 1, T: 1, p: 1, mT: 1 };
    expect(specAugmentFor(own, 64)).toEqual(own);
    expect(() => specAugmentFor('XX' as 'SM', 64)).toThrow(InvalidArgumentError);
  });
});

describe('ds.batch(): tensors', () => {
  it('no augmentation: shapes, labels, video = batchArrays().video, audio = the frontend log-mel of waveform', async () => {
    const b = await ds.batch([1, 0, 2]);
    const a = await ds.batchArrays([1, 0, 2]);
    expect(b.video).toBeInstanceOf(Tensor);
    expect(b.video.shape).toEqual([3, 3, 4, 6, 8]);
    expect(b.audio.shape).toEqual([3, 1, 32, 65]);
    expect(b.waveform).toBeInstanceOf(Float32Array);
    expect(b.waveform).toHaveLength(3 * 8000);
    expect(b.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(b.labels!)).toEqual([2, 1, 0]);
    expect(b.sampleRate).toBe(16000);
    same(await b.video.toArray(), a.video, 'video');
    same(b.waveform, a.audio, 'waveform');
    const mel = await b.audio.toArray();
    for (let k = 0; k < 3; k++) {
      const ref = fe.melSpectrogram(b.waveform.subarray(k * 8000, (k + 1) * 8000), feats);
      same(mel.subarray(k * 32 * 65, (k + 1) * 32 * 65), ref.data, `log-mel of clip ${k}`);
    }
    b.dispose();
    expect(b.video.isDisposed).toBe(true);
    expect(b.audio.isDisposed).toBe(true);
  });

  it('augment on the GPU: video = batchArrays() (same kernels), ~ the CPU reference; SpecAugment = the TS reference', async () => {
    const idx = [0, 2];
    const b = await ds.batch(idx, { augment: true, seed: 11 });
    const a = await ds.batchArrays(idx, { augment: true, seed: 11 });
    const cpu = await ds.batchArrays(idx, { augment: true, seed: 11, augmentOn: 'cpu' });
    const v = await b.video.toArray();
    same(v, a.video, 'GPU-augmented video');
    expectAllClose(v, cpu.video, { atol: 2e-5, rtol: 1e-5, what: 'GPU vs CPU reference augmentation' });
    same(b.waveform, a.audio, 'gain-jittered waveform');
    const mel = await b.audio.toArray();
    const per = 32 * 65;
    for (let k = 0; k < idx.length; k++) {
      const clean = fe.melSpectrogram(b.waveform.subarray(k * 8000, (k + 1) * 8000), feats);
      const ref = specAugmentReference(clean, { policy: specAugmentFor('SM', 65), seed: specAugmentSeed(11, idx[k]), maskValue: 'mean' });
      same(mel.subarray(k * per, (k + 1) * per), ref, `SpecAugment of clip ${k}`);
      let changed = 0;
      for (let i = 0; i < per; i++) if (ref[i] !== clean.data[i]) changed++;
      expect(changed).toBeGreaterThan(0); // the policy really did something
    }
    b.dispose();
  });

  it('CPU augmentation, explicit policy, no SpecAugment; deterministic for a seed', async () => {
    const b1 = await ds.batch([1, 2], { augment: true, seed: 5, augmentOn: 'cpu', specAugment: { W: 3, F: 5, mF: 1, T: 6, p: 1, mT: 1 } });
    const b2 = await ds.batch([1, 2], { augment: true, seed: 5, augmentOn: 'cpu', specAugment: { W: 3, F: 5, mF: 1, T: 6, p: 1, mT: 1 } });
    const a = await ds.batchArrays([1, 2], { augment: true, seed: 5, augmentOn: 'cpu' });
    const v1 = await b1.video.toArray();
    same(v1, a.video, 'CPU-augmented video');
    same(v1, await b2.video.toArray(), 'video, same seed');
    same(await b1.audio.toArray(), await b2.audio.toArray(), 'audio, same seed');
    const none = await ds.batch([1, 2], { augment: true, seed: 5, augmentOn: 'cpu', specAugment: false });
    const mel = await none.audio.toArray();
    const clean = fe.melSpectrogram(none.waveform.subarray(0, 8000), feats);
    same(mel.subarray(0, 32 * 65), clean.data, 'specAugment: false');
    const other = await ds.batch([1, 2], { augment: true, seed: 6, augmentOn: 'cpu' });
    expect(Array.from(await other.video.toArray()).some((x, i) => x !== v1[i])).toBe(true);
    for (const b of [b1, b2, none, other]) b.dispose();
  });

  it('device option: a raw GPUDevice gives the same context and values', async () => {
    const b = await ds.batch([0], { augment: true, seed: 3, device: device.gpu });
    const c = await ds.batch([0], { augment: true, seed: 3, device, frontend: fe }); // an injected frontend
    expect(b.video.ctx).toBe(contextOf(device));
    same(await b.video.toArray(), await c.video.toArray(), 'video');
    same(await b.audio.toArray(), await c.audio.toArray(), 'audio');
    b.dispose();
    c.dispose();
  });

  it('GPU augmentation is recorded into the engine stream: its dispatches counted, no submit until a read', async () => {
    const ctx = contextOf(device);
    await (await ds.batch([0])).video.toArray(); // warm: nothing pending
    const queue = device.gpu.queue;
    const submit = queue.submit;
    let submits = 0;
    queue.submit = (cmds) => {
      submits++;
      return submit.call(queue, cmds);
    };
    try {
      const d0 = ctx.dispatches;
      const b = await ds.batch([0, 1], { augment: true, seed: 2 });
      expect(submits).toBe(0); // the augmentation waits in the engine's open encoder
      expect(ctx.dispatches - d0).toBeGreaterThanOrEqual(2 * 2); // geometry + at least one colour pass per clip
      await b.video.toArray();
      expect(submits).toBe(1); // the read's flush: one submit for augmentation + copy
      b.dispose();
    } finally {
      queue.submit = submit;
    }
  });

  it('20 augmented batches with dispose: the buffer pool stays flat', async () => {
    const ctx = contextOf(device);
    let created = -1;
    let bytes = -1;
    for (let i = 0; i < 20; i++) {
      const b = await ds.batch([i % 3, (i + 1) % 3], { augment: true, seed: i });
      await b.video.toArray(); // the GPU work of this batch completes
      b.dispose();
      if (i === 1) {
        created = ctx.pool.created;
        bytes = ctx.pool.allocatedBytes;
      }
      if (i > 1) {
        expect(ctx.pool.created).toBe(created);
        expect(ctx.pool.allocatedBytes).toBe(bytes);
      }
    }
  });

  it('typed errors: a preset without audioFeatures or with another sample rate, empty indices', async () => {
    const bare = await datasets.fromManifest({ entries, baseUrl: repoUrl('test/fixtures/data/media/'), preset: { ...preset, audioFeatures: undefined } });
    await expect(bare.batch([0])).rejects.toThrow(InvalidArgumentError);
    expect((await bare.batchArrays([0])).video).toHaveLength(3 * 4 * 6 * 8); // batchArrays does not need them
    const wrong = await datasets.fromManifest({ entries, baseUrl: repoUrl('test/fixtures/data/media/'), preset: { ...preset, audioFeatures: { ...feats, sampleRate: 24000 } } });
    await expect(wrong.batch([0])).rejects.toThrow(/sampleRate/);
    await expect(ds.batch([])).rejects.toThrow(InvalidArgumentError);
    await expect(ds.batch([0], { specAugment: 'XX' as 'SM' })).rejects.toThrow(InvalidArgumentError);
    await expect(ds.batch([0], { augment: true, specAugment: { W: 1, F: -1, mF: 1, T: 1, p: 1, mT: 1 } })).rejects.toThrow(/F must be/);
  });
});
