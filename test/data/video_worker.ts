// Module worker for test/data/video.test.ts (Chromium only): reads a clip of a WebM through fromManifest
// inside a dedicated worker, where there is no document (<video>) and no OfflineAudioContext: frames come
// from WebCodecs' VideoDecoder, the soundtrack from its AudioDecoder. Posts the clip back.
import { ManifestDataset } from '../../src/data/manifest.ts';
import type { ClipPreset } from '../../src/data/presets.ts';

const scope = self as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown, t?: Transferable[]): void };
scope.onmessage = async (e: MessageEvent<{ url: string; preset: ClipPreset }>) => {
  try {
    const g = globalThis as { document?: unknown; OfflineAudioContext?: unknown };
    const ds = await ManifestDataset.create({ entries: [{ video: e.data.url }], preset: e.data.preset });
    const item = await ds.get(0);
    scope.postMessage({ ok: true, video: item.video, audio: item.audio, hasDocument: g.document !== undefined, hasOfflineAudio: g.OfflineAudioContext !== undefined });
  } catch (err) {
    scope.postMessage({ ok: false, error: `${(err as Error)?.name}: ${(err as Error)?.message}` });
  }
};
