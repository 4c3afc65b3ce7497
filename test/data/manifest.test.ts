// Clips from your own videos: frame selection (centre, stride, shift, clamping), resizing, the aligned audio
// window, labels, batches. The fixture video's frame k is a flat colour encoding k and its audio is a ramp
// (sample value = time / duration), so every expected value follows from the clip arithmetic.
import { describe, expect, it } from 'vitest';
import { datasets } from '../../src/index.ts';
import type { ClipPreset } from '../../src/data/presets.ts';
import { repoUrl } from '../helpers/files.ts';
import { InvalidArgumentError } from '../../src/errors.ts';
import { DatasetAssetError, DatasetRuntimeError } from '../../src/data/errors.ts';
import { runnerRuntime } from '../helpers/runtime.ts';

const preset: ClipPreset = { frames: 4, stride: 2, fps: 10, height: 6, width: 8, audioSeconds: 0.5, sampleRate: 16000 };
const manifest = repoUrl('test/fixtures/data/media/manifest.jsonl');

/** The flat colour of source frame k, as decoded: (20k, 255 - 20k, 7k) / 255. */
const colour = (k: number) => [(20 * k) / 255, (255 - 20 * k) / 255, (7 * k) / 255];

function frameOf(video: Float32Array, T: number, k: number): number[] {
  const hw = preset.height * preset.width;
  return [0, 1, 2].map((c) => video[(c * T + k) * hw + 5]);
}

describe('fromManifest', () => {
  it('centred clip: frames 2,4,6,8 of 12, resized to 6x8, audio window aligned, label kept', async () => {
    const ds = await datasets.fromManifest({ manifest, preset });
    expect(ds.length).toBe(2);
    const it0 = await ds.get(0);
    expect(it0.video).toHaveLength(3 * 4 * 6 * 8);
    expect(it0.label).toBe(4);
    [2, 4, 6, 8].forEach((src, k) => frameOf(it0.video, 4, k).forEach((v, c) => expect(v).toBeCloseTo(colour(src)[c], 6)));
    // clip 0.2..0.8 s, centre 0.5 s, 0.5 s window from 0.25 s: the ramp's values there
    const n = 19200;
    expect(it0.audio).toHaveLength(8000);
    expect(it0.audio[0]).toBeCloseTo(4000 / n, 6);
    expect(it0.audio[7999]).toBeCloseTo(11999 / n, 6);
  });
  it('shift moves frames and audio together and clamps at the ends', async () => {
    const ds = await datasets.fromManifest({ manifest, preset });
    const a = await ds.get(0, { shift: 0.2 }); // +2 frames: 4,6,8,10
    [4, 6, 8, 10].forEach((src, k) => expect(frameOf(a.video, 4, k)[0]).toBeCloseTo(colour(src)[0], 6));
    expect(a.audio[0]).toBeCloseTo(7200 / 19200, 6);
    const b = await ds.get(0, { shift: -5 }); // clamped to frame 0: clip 0..0.6 s, window from 0.05 s
    [0, 2, 4, 6].forEach((src, k) => expect(frameOf(b.video, 4, k)[0]).toBeCloseTo(colour(src)[0], 6));
    expect(b.audio[0]).toBeCloseTo(800 / 19200, 6);
  });
  it('a video shorter than the clip repeats its last frame; 8 kHz audio is resampled; no label', async () => {
    const ds = await datasets.fromManifest({ manifest, preset });
    const s = await ds.get(1);
    [0, 2, 2, 2].forEach((src, k) => expect(frameOf(s.video, 4, k)[1]).toBeCloseTo(colour(src)[1], 6));
    expect(s.label).toBeUndefined();
    expect(s.audio).toHaveLength(8000);
  });
  it('entries with a base URL, batches', async () => {
    const frames = Array.from({ length: 12 }, (_, k) => `video/${String(k).padStart(4, '0')}.png`);
    const ds = await datasets.fromManifest({ entries: [{ frames, fps: 10, audio: 'video.wav', label: 1 }, { frames, fps: 10, audio: 'video.wav', label: 2 }], baseUrl: repoUrl('test/fixtures/data/media/'), preset });
    const b = await ds.batchArrays([1, 0], { normalize: false });
    expect(b.videoShape).toEqual([2, 3, 4, 6, 8]);
    expect(Array.from(b.labels!)).toEqual([2, 1]);
    const aug = await ds.batchArrays([0, 1], { augment: true, augmentOn: 'cpu', seed: 3 });
    expect(aug.video).toHaveLength(2 * 3 * 4 * 6 * 8);
  });
  it('typed errors', async () => {
    await expect(datasets.fromManifest({ entries: [] })).rejects.toThrow(InvalidArgumentError);
    await expect(datasets.fromManifest({ entries: [{ frames: ['a.png'], fps: 0, audio: 'a.wav' }] })).rejects.toThrow(/fps/);
    const ds = await datasets.fromManifest({ entries: [{ frames: ['missing.png'], fps: 10, audio: 'missing.wav' }], baseUrl: repoUrl('test/fixtures/data/media/'), preset });
    await expect(ds.get(0)).rejects.toThrow(DatasetAssetError);
    await expect(ds.get(1)).rejects.toThrow(InvalidArgumentError);
  });
  // A folder is listed in Node and Deno; browsers cannot list directories and must get a typed error.
  it.skipIf(runnerRuntime() === 'browser')('a folder of <dir>/ frames + <dir>.wav is the same clip as its manifest entry; labels.json', async () => {
    const fromFolder = await datasets.fromManifest({ folder: repoUrl('test/fixtures/data/media/'), fps: 10, preset });
    expect(fromFolder.entries.map((e) => [e.frames!.length, e.audio])).toEqual([[12, 'video.wav']]); // video/ + video.wav
    const fromFile = await datasets.fromManifest({ manifest, preset });
    const [a, b] = [await fromFolder.get(0, { shift: 0.2 }), await fromFile.get(0, { shift: 0.2 })];
    expect(Array.from(a.video)).toEqual(Array.from(b.video));
    expect(Array.from(a.audio)).toEqual(Array.from(b.audio));
    expect(a.label).toBeUndefined(); // no labels.json there
    // clip1/ (3 frames) + clip1.wav + labels.json {"clip1": 7}; frames_only/ has no WAV and is not a clip
    const labelled = await datasets.fromManifest({ folder: repoUrl('test/fixtures/data/folder'), fps: 10, preset });
    expect(labelled.entries).toEqual([{ frames: ['clip1/0000.png', 'clip1/0001.png', 'clip1/0002.png'], fps: 10, audio: 'clip1.wav', label: 7 }]);
    const it0 = await labelled.get(0);
    expect(it0.label).toBe(7);
    [0, 2, 2, 2].forEach((src, k) => expect(frameOf(it0.video, 4, k)[1]).toBeCloseTo(colour(src)[1], 6));
    await expect(datasets.fromManifest({ folder: repoUrl('test/fixtures/data/media/video'), fps: 10, preset })).rejects.toThrow(/no clips in .*<dir>\.wav/);
    await expect(datasets.fromManifest({ folder: repoUrl('test/fixtures/data/no-such-folder'), fps: 10, preset })).rejects.toThrow(DatasetAssetError);
  });
  it('folder option errors', async () => {
    const folder = repoUrl('test/fixtures/data/folder');
    await expect(datasets.fromManifest({ folder, preset })).rejects.toThrow(/needs `fps` > 0/);
    await expect(datasets.fromManifest({ folder, fps: 10, manifest, preset })).rejects.toThrow(/one of `manifest`, `entries` or `folder`/);
    await expect(datasets.fromManifest({ folder: 'https://example.org/clips/', fps: 10, preset } as never)).rejects.toThrow(/local path or file: URL/);
    if (runnerRuntime() === 'browser') {
      await expect(datasets.fromManifest({ folder: '/clips', fps: 10, preset })).rejects.toThrow(DatasetRuntimeError);
    }
  });
  // Browsers decode video files (test/data/video.test.ts); Node and Deno have no video decoder.
  it.skipIf(runnerRuntime() === 'browser')('video entries in Node/Deno: a DatasetRuntimeError with the ffmpeg recipe', async () => {
    const e = await datasets.fromManifest({ entries: [{ video: 'v1.webm' }], preset }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DatasetRuntimeError);
    expect((e as Error).message).toMatch(/ffmpeg -i v1\.mp4 -vf fps=25 v1\/%04d\.png/);
    expect((e as Error).message).toMatch(/-vn -ac 1 -ar 24000 v1\.wav/);
    await expect(datasets.fromManifest({ entries: [{ video: 'v1.webm', frames: ['a.png'] }] })).rejects.toThrow(/no 'frames' beside it/);
    await expect(datasets.fromManifest({ entries: [{ fps: 25 } as never] })).rejects.toThrow(/give 'frames'.*or 'video'/);
  });
});
