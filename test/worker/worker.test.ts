// spawnWorker in every runtime (Node worker_threads, Deno and Chromium web workers): the worker's results
// equal the main thread's bit for bit (and the SSCL log-mel matches the torchaudio fixture), typed errors
// keep their class, name, code and message across the boundary, and terminate()/load failures reject
// instead of hanging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AudioFrontend, decodeWav, InvalidArgumentError, InvalidAudioError, InvalidWavError, SSCL_AUDIO, SsclError, spawnWorker,
  WorkerError, workerTransfer, type MelSpectrogramOptions, type SsclWorker,
} from '../../src/index.ts';
import { expectAllClose } from '../helpers/close.ts';
import { readRepoFile } from '../helpers/files.ts';
import { loadFixture } from '../helpers/fixture.ts';
import { runnerRuntime } from '../helpers/runtime.ts';
import { firstBitDifference, rejection, testWorkerOptions, thrown } from '../helpers/worker.ts';

function tone(n: number, seed = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.031 * seed) + 0.25 * Math.sin(i * 0.83 + seed) + 0.01 * ((i * 7919) % 13));
}

function expectSameBits(got: Float32Array, want: Float32Array, what: string): void {
  expect(got).toBeInstanceOf(Float32Array);
  const i = firstBitDifference(got, want);
  if (i >= 0) throw new Error(`${what}: worker and main thread differ at [${i}]: ${got[i]} vs ${want[i]} (lengths ${got.length}, ${want.length})`);
  expect(want.some((v) => v !== 0)).toBe(true); // not a trivially equal all-zero result
}

// Awkward configurations: odd/prime nFft, win < nFft, hamming, no centre, constant padding, magnitude,
// normalised, dB with top_db, slaney scale and norm, prime sample counts.
const CONFIGS: { n: number; opts: MelSpectrogramOptions }[] = [
  { n: 48000, opts: SSCL_AUDIO },
  { n: 1009, opts: { sampleRate: 8000, nFft: 30, hopLength: 7, nMels: 9, power: 1, log: 'db', topDb: 60, window: 'hamming', center: false } },
  { n: 997, opts: { sampleRate: 16000, nFft: 49, winLength: 40, nMels: 5, padMode: 'constant', norm: 'slaney', melScale: 'slaney', normalized: true } },
];

describe('spawnWorker: calls in a worker', () => {
  let w: SsclWorker;
  let fe: AudioFrontend;
  beforeAll(async () => {
    w = await spawnWorker(testWorkerOptions());
    fe = await AudioFrontend.create();
  });
  afterAll(async () => {
    await w?.terminate();
  });

  it('info() runs in the worker: the host runtime, the thread, passing GPU and WASM self-tests, the same WASM build', async () => {
    const i = await w.info();
    const rt = runnerRuntime();
    expect(i.runtime).toBe(rt);
    expect(i.thread.kind).toBe(rt === 'node' ? 'worker_threads' : 'web-worker');
    expect(i.thread.runtime).toBe(rt === 'browser' ? 'worker' : rt); // detectRuntime() inside the worker
    expect(i.wasmSelfTest).toBe('ok');
    expect(i.gpuSelfTest).toBe('ok');
    expect(i.selfTest).toBe('ok');
    expect(i.wasm.variant).toBe(fe.dsp.variant);
  });

  it('melSpectrogram in the worker equals the main thread bit for bit (SSCL_AUDIO and awkward configurations)', async () => {
    for (const [k, c] of CONFIGS.entries()) {
      const x = tone(c.n, k + 1);
      const got = await w.melSpectrogram(x, c.opts);
      const want = fe.melSpectrogram(x, c.opts);
      expect([got.bands, got.frames]).toEqual([want.bands, want.frames]);
      expectSameBits(got.data, want.data, `config ${k}`);
      expect(got.data.length).toBe(got.bands * got.frames);
    }
  });

  it("the worker's SSCL log-mel matches torchaudio (fixture, 1e-3 absolute where power > 1e-6 of the peak)", async () => {
    const sscl = await loadFixture('audio/sscl.bin');
    const x = sscl.f32('sscl_24000.x');
    const m = await w.melSpectrogram(x, SSCL_AUDIO);
    expect([m.bands, m.frames]).toEqual([128, 128]);
    const power = sscl.f64('sscl_24000.mel');
    const ref = sscl.f64('sscl_24000.log1e-6');
    const peak = power.reduce((a, v) => Math.max(a, v), 0);
    const keep = [...power.keys()].filter((i) => power[i] > 1e-6 * peak);
    expect(keep.length).toBeGreaterThan(power.length / 2);
    expectAllClose(keep.map((i) => m.data[i]), keep.map((i) => ref[i]), { atol: 1e-3, rtol: 0, what: 'worker SSCL log-mel' });
  });

  it('spectrogram, melSpectrogramBatch, resample and decodeWav equal the main thread bit for bit', async () => {
    const opts = CONFIGS[1].opts;
    const x = tone(1009, 3);
    expectSameBits((await w.spectrogram(x, opts)).data, fe.spectrogram(x, opts).data, 'spectrogram');

    const clipLength = 1009;
    const clips = tone(3 * clipLength, 5);
    const b = await w.melSpectrogramBatch(clips, clipLength, opts);
    const want = new Float32Array(b.data.length);
    const wr = fe.melSpectrogramBatch(clips, clipLength, want, opts);
    expect([b.count, b.bands, b.frames]).toEqual([wr.count, wr.bands, wr.frames]);
    expect(b.data.length).toBe(3 * wr.bands * wr.frames);
    expectSameBits(b.data, want, 'melSpectrogramBatch');

    const r = tone(4801, 7);
    expectSameBits(await w.resample(r, 48000, 24000), fe.resample(r, 48000, 24000), 'resample 48k -> 24k');
    expectSameBits(await w.resample(r, 44100, 24000), fe.resample(r, 44100, 24000), 'resample 44.1k -> 24k');

    const wav = await readRepoFile('test/fixtures/audio/wav/pcm24_3ch.wav');
    const dw = await w.decodeWav(wav);
    const dm = decodeWav(wav);
    expect([dw.sampleRate, dw.bitsPerSample, dw.format, dw.channels.length]).toEqual([dm.sampleRate, dm.bitsPerSample, dm.format, dm.channels.length]);
    for (let c = 0; c < dm.channels.length; c++) expectSameBits(dw.channels[c], dm.channels[c], `decodeWav channel ${c}`);
  });

  it('many calls in flight at once each get their own answer', async () => {
    const inputs = Array.from({ length: 8 }, (_, k) => tone(3000 + 97 * k, k + 2));
    const opts = [SSCL_AUDIO, CONFIGS[1].opts];
    const got = await Promise.all(inputs.map((x, k) => w.melSpectrogram(x, opts[k % 2])));
    for (const [k, x] of inputs.entries()) expectSameBits(got[k].data, fe.melSpectrogram(x, opts[k % 2]).data, `call ${k} of 8`);
  });

  it('arguments are copied unless marked with workerTransfer(), which moves their buffer', async () => {
    const x = tone(4000);
    const copy = x.slice();
    const a = await w.melSpectrogram(x, SSCL_AUDIO);
    expect(x.length).toBe(4000); // still ours
    expectSameBits(x, copy, 'input after a copied call');
    const b = await w.melSpectrogram(workerTransfer(x), SSCL_AUDIO);
    expect(x.length).toBe(0); // moved: detached here
    expectSameBits(b.data, a.data, 'moved input');
  });

  it('typed errors cross the boundary with the same class, name, code and message as on the main thread', async () => {
    const nan = tone(48000);
    nan[777] = NaN;
    const notWav = new TextEncoder().encode('RIFX\0\0\0\0WAVEfmt ');
    const cases: [string, () => Promise<unknown>, () => unknown, new (...a: never[]) => Error, string][] = [
      ['NaN sample', () => w.melSpectrogram(nan, SSCL_AUDIO), () => fe.melSpectrogram(nan, SSCL_AUDIO), InvalidAudioError, 'INVALID_AUDIO'],
      ['too short', () => w.melSpectrogram(tone(10), SSCL_AUDIO), () => fe.melSpectrogram(tone(10), SSCL_AUDIO), InvalidAudioError, 'INVALID_AUDIO'],
      ['bad option', () => w.melSpectrogram(tone(100), { nFft: 0 }), () => fe.melSpectrogram(tone(100), { nFft: 0 }), InvalidArgumentError, 'INVALID_ARGUMENT'],
      ['bad rate', () => w.resample(tone(100), -1, 16000), () => fe.resample(tone(100), -1, 16000), InvalidArgumentError, 'INVALID_ARGUMENT'],
      ['ragged batch', () => w.melSpectrogramBatch(tone(1001), 100), () => fe.melSpectrogramBatch(tone(1001), 100, new Float32Array(1)), InvalidAudioError, 'INVALID_AUDIO'],
      ['not a WAV', () => w.decodeWav(notWav), () => decodeWav(notWav), InvalidWavError, 'INVALID_WAV'],
    ];
    for (const [what, inWorker, onMain, cls, code] of cases) {
      const e = await rejection(inWorker());
      const m = thrown(onMain);
      expect(m).toBeInstanceOf(cls); // the case is what it claims on the main thread
      if (!(e instanceof cls)) throw new Error(`${what}: got ${(e as Error)?.constructor?.name} ${String(e)}`);
      expect(e).toBeInstanceOf(SsclError);
      expect(e).toBeInstanceOf(Error);
      expect(e.constructor).toBe(m.constructor);
      expect(e.name).toBe(m.name);
      expect(e.code).toBe(code);
      expect(e.code).toBe(m.code);
      expect(e.message).toBe(m.message);
      expect(e.stack ?? '').toContain('sscl-sdk worker');
    }
    const wavErr = await rejection(w.decodeWav(notWav));
    expect(wavErr).toBeInstanceOf(InvalidAudioError); // InvalidWavError's superclass survives too
    // and the worker is still fine
    expect((await w.melSpectrogram(tone(2000), SSCL_AUDIO)).bands).toBe(128);
  });

  it("an argument that cannot be sent is an InvalidArgumentError on the caller side; the object has the worker's methods plus terminate()", async () => {
    const e = await rejection(w.melSpectrogram(tone(2000), { nFft: 64, window: (() => 'hann') as unknown as 'hann' }));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toMatch(/cannot be sent to a worker/);
    expect((await w.resample(tone(300), 2, 1)).length).toBe(150);
    expect(Object.keys(w).sort()).toEqual(['decodeWav', 'info', 'melSpectrogram', 'melSpectrogramBatch', 'resample', 'spectrogram', 'terminate']);
    expect((w as unknown as { then?: unknown }).then).toBeUndefined(); // `await w` is the worker, not a call
  });
});

describe('spawnWorker: lifecycle', () => {
  it('terminate(): a waiting call and later calls reject with WorkerError WORKER_TERMINATED; a second terminate() is harmless', async () => {
    const w = await spawnWorker(testWorkerOptions());
    const waiting = rejection(w.melSpectrogram(tone(48000), SSCL_AUDIO));
    await w.terminate();
    const e = await waiting;
    expect(e).toBeInstanceOf(WorkerError);
    expect(e.code).toBe('WORKER_TERMINATED');
    const later = await rejection(w.info());
    expect(later.code).toBe('WORKER_TERMINATED');
    await w.terminate();
  });

  it('spawn options reach the worker: the scalar build injected as bytes or as a URL runs there, bit-exact with the scalar build here', async () => {
    const bytes = await readRepoFile('build/wasm/sscl-dsp.scalar.wasm');
    const scalar = await AudioFrontend.create({ simd: false });
    const x = tone(9001, 11);
    // bytes, and a URL object (not cloneable: sent as its href)
    for (const wasm of [bytes, new URL('../../build/wasm/sscl-dsp.scalar.wasm', import.meta.url)]) {
      const w = await spawnWorker({ ...testWorkerOptions(), wasm: { wasm, simd: false } });
      try {
        const got = await w.melSpectrogram(x, SSCL_AUDIO);
        expectSameBits(got.data, scalar.melSpectrogram(x, SSCL_AUDIO).data, 'scalar build in the worker');
        expect((await w.info()).wasm.variant).toBe('scalar');
      } finally {
        await w.terminate();
      }
    }
  });

  it('a worker that dies outside a call rejects the waiting call and later ones with WorkerError (no hang)', async () => {
    const w = await spawnWorker({ entry: new URL('./crash-entry.mjs', import.meta.url) });
    try {
      const e = await rejection(w.info());
      expect(e).toBeInstanceOf(WorkerError);
      expect(e.code).toBe('WORKER_FAILED');
      expect(e.message).toContain('deliberate uncaught error'); // the worker's own message, not a generic one
      const later = await rejection(w.info());
      expect(later).toBeInstanceOf(WorkerError);
    } finally {
      await w.terminate();
    }
  });

  it('a worker script that cannot be loaded rejects spawnWorker with WorkerError WORKER_START (no hang)', async () => {
    const e = await rejection(spawnWorker({ entry: new URL('./no-such-entry.js', import.meta.url) }));
    expect(e).toBeInstanceOf(WorkerError);
    expect(e.code).toBe('WORKER_START');
  });

  // Node-only behaviour: Deno and Chromium run the default entry (entry.ts / the tsc output) themselves.
  it.skipIf(runnerRuntime() !== 'node')('Node running the TypeScript sources without { entry }: WorkerError WORKER_START that says what to do', async () => {
    const e = await rejection(spawnWorker());
    expect(e).toBeInstanceOf(WorkerError);
    expect(e.code).toBe('WORKER_START');
    expect(e.message).toMatch(/npm run build/);
  });
});
