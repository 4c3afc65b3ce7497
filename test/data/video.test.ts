// Video files in browsers (src/data/media/video.ts): a WebM made in the test (VideoEncoder VP8 + AudioEncoder
// Opus + our muxer, test/data/video_cases.ts) read through fromManifest with WebCodecs + our demuxer and with
// <video> seeking. Frames must be the ones drawn at the clip's times (read from the bits they show; colours within VP8's
// error) and the soundtrack must line up with the clip (cross-correlation peak within 1 ms).
import { describe, expect, it } from 'vitest';
import { datasets } from '../../src/index.ts';
import type { ClipPreset } from '../../src/data/presets.ts';
import { cropAudio } from '../../src/data/audio.ts';
import { runnerRuntime } from '../helpers/runtime.ts';
import { repoUrl } from '../helpers/files.ts';
import { makeWebm, soundtrack, STRIPES, stripeOf } from './video_cases.ts';
import { decodeAudioTrack } from '../../src/data/media/soundtrack.ts';

// Node and Deno have no video decoder: their typed error is tested in test/data/manifest.test.ts.
const skip = runnerRuntime() !== 'browser';
const preset: ClipPreset = { frames: 4, stride: 5, fps: 25, height: 24, width: 32, audioSeconds: 1, sampleRate: 16000 };
const H = preset.height, W = preset.width, T = preset.frames;

/** Clip frame k read back: the source frame its stripes encode, and the worst colour error of stripes and grey. */
function whichFrame(video: Float32Array, k: number): { index: number; err: number } {
  const px = (c: number, y: number, x: number) => video[((c * T + k) * H + y) * W + x];
  const sw = W / STRIPES; // stripes of 4 px after the 64 -> 32 resize; read their centres
  let index = 0;
  for (let j = 0; j < 6; j++) if (px(0, 5, j * sw + sw / 2) > 0.45) index |= 1 << j;
  let err = 0;
  for (let j = 0; j < STRIPES; j++) stripeOf(index, j).forEach((v, c) => (err = Math.max(err, Math.abs(px(c, 5, j * sw + sw / 2) - v))));
  for (let c = 0; c < 3; c++) err = Math.max(err, Math.abs(px(c, H - 5, W / 2) - 128 / 255));
  return { index, err };
}

/**
 * Measured worst errors (Chromium 156): 0.038 through WebCodecs (VideoFrame drawn on a canvas), 0.074 through
 * <video> (its YUV -> RGB differs in the chroma: the red stripe's green reads 0.18 for 0.25).
 */
const TOLERANCE = { webcodecs: 0.05, element: 0.085 };

function expectFrames(video: Float32Array, want: number[], tol: number): void {
  const got = want.map((_, k) => whichFrame(video, k));
  expect(got.map((g) => g.index)).toEqual(want);
  const err = Math.max(...got.map((g) => g.err));
  expect(err).toBeLessThan(tol); // VP8 at 2 Mbit/s, YUV <-> RGB round trip (see stripeOf for the range shift)
}

/** Lag (samples) of the cross-correlation peak of got against ref over +-maxLag, and its normalised value. */
function peakLag(got: Float32Array, ref: Float32Array, maxLag: number): { lag: number; r: number } {
  let best = { lag: 0, r: -Infinity };
  const e = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let s = 0;
    for (let i = Math.max(0, -lag); i < ref.length && i + lag < got.length; i++) s += got[i + lag] * ref[i];
    if (s > best.r) best = { lag, r: s };
  }
  return { lag: best.lag, r: best.r / (e(got) * e(ref)) };
}

function expectAudioAligned(audio: Float32Array, start: number): void {
  const a0 = start + ((T - 1) * preset.stride) / preset.fps / 2 - preset.audioSeconds / 2;
  const ref = cropAudio(soundtrack(16000), 16000, a0, preset.audioSeconds);
  expect(audio).toHaveLength(ref.length);
  const { lag, r } = peakLag(audio, ref, 480);
  expect(Math.abs(lag)).toBeLessThanOrEqual(16); // 1 ms at 16 kHz (measured: -8 samples, r = 0.99998)
  expect(r).toBeGreaterThan(0.8);
}

describe('video files in browsers', () => {
  for (const videoDecoder of ['webcodecs', 'element'] as const) {
    it.skipIf(skip)(`${videoDecoder}: frames at the clip times, audio aligned, shift + clamping, label`, async () => {
      const { bytes } = await makeWebm();
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'video/webm' }));
      try {
        const ds = await datasets.fromManifest({ entries: [{ video: url, label: 2 }], preset, videoDecoder });
        // 2 s of content, clip span 0.6 s: centred start (2 - 0.04 - 0.6) / 2 = 0.68 s -> frames 17, 22, 27, 32
        const c = await ds.get(0);
        expect(c.label).toBe(2);
        expectFrames(c.video, [17, 22, 27, 32], TOLERANCE[videoDecoder]);
        expectAudioAligned(c.audio, 0.68);
        // +0.5 s: start 1.18 s -> frames 29.5 -> 29, 34, 39, 44 (decoding restarts at the keyframe 20)
        const s = await ds.get(0, { shift: 0.5 });
        expectFrames(s.video, [29, 34, 39, 44], TOLERANCE[videoDecoder]);
        expectAudioAligned(s.audio, 1.18);
        // past the end: clamped to start 1.36 s -> frames 34, 39, 44, 49
        expectFrames((await ds.get(0, { shift: 5 })).video, [34, 39, 44, 49], TOLERANCE[videoDecoder]);
      } finally {
        URL.revokeObjectURL(url);
      }
    });
  }
  it.skipIf(skip)('a video without a soundtrack takes the WAV of the entry, or says to give one', async () => {
    const { bytes } = await makeWebm({ audio: false });
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'video/webm' }));
    try {
      const ds = await datasets.fromManifest({ entries: [{ video: url }, { video: url, audio: String(repoUrl('test/fixtures/data/media/video.wav')) }], preset });
      await expect(ds.get(0)).rejects.toThrow(/no audio track; give the entry an 'audio' WAV file/);
      const b = await ds.batchArrays([1], { normalize: false });
      expect(b.videoShape).toEqual([1, 3, T, H, W]);
    } finally {
      URL.revokeObjectURL(url);
    }
  });
  it.skipIf(skip)('the soundtrack through WebCodecs AudioDecoder (the worker path) lines up like decodeAudioData', async () => {
    const { bytes } = await makeWebm();
    const ref = soundtrack(16000);
    for (const how of ['webaudio', 'webcodecs'] as const) {
      const pcm = await decodeAudioTrack(bytes, 'in-test.webm', 16000, how);
      expect(Math.abs(pcm.length - ref.length)).toBeLessThanOrEqual(16000 * 0.05); // within one 20 ms Opus frame + padding
      const { lag, r } = peakLag(pcm, ref, 480);
      expect(Math.abs(lag)).toBeLessThanOrEqual(16); // measured: -8 (webaudio), 0 (webcodecs); r 0.99998 both
      expect(r).toBeGreaterThan(0.8);
    }
  });
  it.skipIf(skip)('in a worker (no <video>, no OfflineAudioContext): WebCodecs frames and soundtrack', async () => {
    const { bytes } = await makeWebm();
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'video/webm' }));
    const worker = new Worker(new URL('./video_worker.js', import.meta.url), { type: 'module' });
    try {
      const reply = await new Promise<{ ok: boolean; error?: string; video: Float32Array; audio: Float32Array; hasDocument: boolean; hasOfflineAudio: boolean }>((ok, fail) => {
        worker.onmessage = (e) => ok(e.data);
        worker.onerror = (e) => fail(new Error(`worker failed: ${e.message}`));
        worker.postMessage({ url, preset });
      });
      expect(reply.error).toBeUndefined();
      expect([reply.hasDocument, reply.hasOfflineAudio]).toEqual([false, false]);
      expectFrames(reply.video, [17, 22, 27, 32], TOLERANCE.webcodecs);
      expectAudioAligned(reply.audio, 0.68);
    } finally {
      worker.terminate();
      URL.revokeObjectURL(url);
    }
  });
  // Files written by someone else's muxer: Chromium's MediaRecorder (live WebM with unknown sizes; MP4, which
  // only the <video> path reads). Recording runs in real time, so under load frames are dropped: the check is
  // that every clip frame is one that was drawn (its bits and colour stripes read back) and that time runs forward.
  for (const mimeType of ['video/webm;codecs=vp8', 'video/mp4']) {
    it.skipIf(skip)(`MediaRecorder ${mimeType}: frames drawn, in order`, async () => {
      const bytes = await record(mimeType, 30);
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mimeType.split(';')[0] }));
      try {
        const p: ClipPreset = { ...preset, stride: 2 };
        const ds = await datasets.fromManifest({ entries: [{ video: url, audio: String(repoUrl('test/fixtures/data/media/video.wav')) }], preset: p });
        const c = await ds.get(0);
        const got = Array.from({ length: T }, (_, k) => whichFrame(c.video, k));
        for (const g of got) {
          expect(g.index).toBeLessThan(30);
          expect(g.err).toBeLessThan(0.15); // another encoder's colour conversion; the stripes are 0.4 apart
        }
        got.slice(1).forEach((g, k) => expect(g.index).toBeGreaterThanOrEqual(got[k].index));
        expect(got[T - 1].index).toBeGreaterThan(got[0].index); // measured on a quiet run: 11, 13, 15, 17
      } finally {
        URL.revokeObjectURL(url);
      }
    });
  }
});

/** Records `n` frames drawn like makeWebm's (bits of k) at ~25 fps from a canvas stream. */
async function record(mimeType: string, n: number): Promise<Uint8Array> {
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 48;
  const ctx = canvas.getContext('2d')!;
  const draw = (k: number) => {
    for (let j = 0; j < STRIPES; j++) {
      const [r, g, b] = stripeOf(k, j).map((v) => Math.round(v * 255));
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(j * 8, 0, 8, 24);
    }
    ctx.fillStyle = 'rgb(128,128,128)';
    ctx.fillRect(0, 24, 64, 24);
  };
  draw(0);
  const rec = new MediaRecorder(canvas.captureStream(25), { mimeType, videoBitsPerSecond: 2_000_000 });
  const parts: Blob[] = [];
  rec.ondataavailable = (e) => parts.push(e.data);
  const stopped = new Promise((ok) => (rec.onstop = ok));
  rec.start();
  for (let k = 1; k < n; k++) {
    await new Promise((ok) => setTimeout(ok, 40));
    draw(k);
  }
  await new Promise((ok) => setTimeout(ok, 80));
  rec.stop();
  await stopped;
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}
