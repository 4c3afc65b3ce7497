// Video files in browsers: frames at chosen times through WebCodecs' VideoDecoder fed by our WebM demuxer
// (./webm/demux.ts), or, where WebCodecs or the codec is missing (or for MP4 and other containers), through
// a <video> element (seek, then drawImage). The soundtrack: ./soundtrack.ts.
// Node and Deno have neither: VIDEO_IN_NODE says how to extract frames and a WAV with ffmpeg instead.
import { DatasetRuntimeError, InvalidMediaError } from '../errors.ts';
import { fromRgba } from './image.ts';
import { demuxWebm, isEbml, type WebmFile, type WebmTrack } from './webm/demux.ts';

/** How to decode video: `auto` = WebCodecs for WebM when available, else `<video>`. */
export type VideoDecoderChoice = 'auto' | 'webcodecs' | 'element';

/** The message of the error raised for video files outside browsers (also in docs/data.md). */
export const VIDEO_IN_NODE =
  'video files are decoded only in browsers (WebCodecs or <video>). In Node and Deno, extract frames and a mono WAV with ffmpeg ' +
  '(`ffmpeg -i v1.mp4 -vf fps=25 v1/%04d.png && ffmpeg -i v1.mp4 -vn -ac 1 -ar 24000 v1.wav`) and list them as ' +
  '{"frames": ["v1/0001.png", ...], "fps": 25, "audio": "v1.wav"} (see docs/data.md)';

/** A timed-out media event; browsers may never fire `seeked`/`error` for a file they cannot handle. */
const EVENT_TIMEOUT_MS = 20_000;

/** A decoded video: its frames at the times asked for, and where its content ends. */
export interface VideoFrames {
  width: number;
  height: number;
  /** End of the video content in seconds (last frame's timestamp + its duration). */
  duration: number;
  /** (3, H, W) RGB in [0, 1], one per requested time: the frame on screen at that time. */
  frames: Float32Array[];
}

/** What the runtime offers for video. */
export function videoSupport(): { webcodecs: boolean; element: boolean; audio: boolean } {
  const g = globalThis as { VideoDecoder?: unknown; OffscreenCanvas?: unknown; document?: { createElement?: unknown }; OfflineAudioContext?: unknown };
  return { webcodecs: !!g.VideoDecoder && !!g.OffscreenCanvas, element: typeof g.document?.createElement === 'function', audio: !!g.OfflineAudioContext };
}

/** Throws DatasetRuntimeError (with the ffmpeg recipe) when this runtime cannot decode video. */
export function assertVideoRuntime(): void {
  const s = videoSupport();
  if (!s.webcodecs && !s.element) throw new DatasetRuntimeError(VIDEO_IN_NODE);
}

/** WebCodecs codec string and description for a Matroska video track, or null when we cannot map it. */
export function webCodecsConfig(t: WebmTrack): VideoDecoderConfig | null {
  const p = t.codecPrivate;
  const hex = (b: number) => b.toString(16).padStart(2, '0');
  const dims = t.width && t.height ? { codedWidth: t.width, codedHeight: t.height } : {};
  switch (t.codecId) {
    case 'V_VP8': return { codec: 'vp8', ...dims };
    case 'V_VP9': return { codec: 'vp09.00.10.08', ...dims }; // profile/level are re-read from the bitstream
    case 'V_AV1': {
      if (!p || p.length < 4) return { codec: 'av01.0.04M.08', ...dims };
      const depth = p[2] & 0x40 ? (p[2] & 0x20 ? 12 : 10) : 8; // av1C: seq_profile|level, tier|high_bitdepth|twelve_bit
      return { codec: `av01.${p[1] >> 5}.${String(p[1] & 31).padStart(2, '0')}${p[2] & 0x80 ? 'H' : 'M'}.${String(depth).padStart(2, '0')}`, description: p, ...dims };
    }
    case 'V_MPEG4/ISO/AVC':
      if (!p || p.length < 4) return null;
      return { codec: `avc1.${hex(p[1])}${hex(p[2])}${hex(p[3])}`, description: p, ...dims }; // avcC profile, compat, level
    default: return null;
  }
}

/** The index of the frame on screen at time t: the last one with timestamp <= t (+ 0.1 ms), else the first. */
export function frameAt(sortedPts: number[], t: number): number {
  let lo = 0, hi = sortedPts.length - 1, best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sortedPts[mid] <= t + 1e-4) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/**
 * Frames of a video file at the times (seconds) `timesFor` picks once the content's duration is known
 * (the end of its last frame).
 */
export async function decodeVideoFrames(bytes: Uint8Array, name: string, timesFor: (duration: number) => number[], choice: VideoDecoderChoice = 'auto'): Promise<VideoFrames> {
  assertVideoRuntime();
  const s = videoSupport();
  if (choice !== 'element' && isEbml(bytes)) {
    const file = demuxWebm(bytes, name);
    const track = file.tracks.find((t) => t.kind === 'video');
    if (!track) throw new InvalidMediaError(`${name}: the WebM file has no video track`);
    const config = webCodecsConfig(track);
    const ok = s.webcodecs && config && (await VideoDecoder.isConfigSupported(config)).supported;
    if (ok) return decodeWithWebCodecs(file, track, config!, name, timesFor);
    if (choice === 'webcodecs') throw new DatasetRuntimeError(`${name}: this runtime has no WebCodecs decoder for ${track.codecId}${config ? ` (${config.codec})` : ''}; use videoDecoder: 'auto' or 'element'`);
  } else if (choice === 'webcodecs') {
    throw new DatasetRuntimeError(`${name}: videoDecoder 'webcodecs' reads WebM/Matroska files only (our demuxer); use 'auto' or 'element' for MP4 and other containers`);
  }
  if (!s.element) throw new DatasetRuntimeError(`${name}: decoding this file needs a <video> element (a page, not a worker) or a WebM file with a codec WebCodecs decodes here`);
  return decodeWithElement(bytes, name, timesFor);
}

async function decodeWithWebCodecs(file: WebmFile, track: WebmTrack, config: VideoDecoderConfig, name: string, timesFor: (duration: number) => number[]): Promise<VideoFrames> {
  const chunks = file.frames.filter((f) => f.track === track.number); // decode order
  if (chunks.length === 0) throw new InvalidMediaError(`${name}: the video track has no frames`);
  const pts = chunks.map((c) => c.timestamp).sort((a, b) => a - b);
  const gaps = pts.slice(1).map((p, k) => p - pts[k]).sort((a, b) => a - b);
  const frameDur = track.defaultDuration ?? (gaps.length ? gaps[gaps.length >> 1] : 0);
  const duration = pts[pts.length - 1] + frameDur;
  const times = timesFor(duration);
  const wanted = times.map((t) => pts[frameAt(pts, t)]);
  const key = (t: number) => Math.round(t * 1e6); // microseconds, WebCodecs' unit
  const want = new Set(wanted.map(key));
  // decode from the last keyframe before the first wanted frame up to the last wanted one (+ reordering slack)
  const idx = chunks.map((c, k) => (want.has(key(c.timestamp)) ? k : -1)).filter((k) => k >= 0);
  let first = idx[0];
  while (first > 0 && !chunks[first].key) first--;
  if (!chunks[first].key) throw new InvalidMediaError(`${name}: the video does not start with a keyframe`);
  const last = Math.min(chunks.length - 1, idx[idx.length - 1] + 16);
  const got = new Map<number, { rgb: Float32Array; w: number; h: number }>();
  let failure: unknown;
  const dec = new VideoDecoder({
    output: (frame) => {
      try {
        const k = frame.timestamp;
        if (want.has(k) && !got.has(k)) {
          const w = frame.displayWidth, h = frame.displayHeight;
          const canvas = new OffscreenCanvas(w, h);
          const ctx = canvas.getContext('2d')!;
          ctx.drawImage(frame, 0, 0);
          got.set(k, { rgb: fromRgba(w, h, ctx.getImageData(0, 0, w, h, { colorSpace: 'srgb' }).data).rgb, w, h });
        }
      } catch (e) {
        failure ??= e;
      } finally {
        frame.close();
      }
    },
    error: (e) => void (failure ??= e),
  });
  try {
    dec.configure(config);
    for (let k = first; k <= last; k++) {
      const c = chunks[k];
      dec.decode(new EncodedVideoChunk({ type: c.key || k === first ? 'key' : 'delta', timestamp: key(c.timestamp), data: c.data }));
    }
    await dec.flush();
  } catch (e) {
    failure ??= e;
  } finally {
    if (dec.state !== 'closed') dec.close();
  }
  if (failure !== undefined) throw new InvalidMediaError(`${name}: WebCodecs could not decode the ${track.codecId} video (${String((failure as Error)?.message ?? failure)})`, { cause: failure });
  const frames = wanted.map((t) => got.get(key(t)));
  if (frames.some((f) => !f)) throw new InvalidMediaError(`${name}: the decoder returned no frame for some timestamps (corrupt video?)`);
  return { width: frames[0]!.w, height: frames[0]!.h, duration, frames: frames.map((f) => f!.rgb) };
}

/** Resolves on `ok` firing on `el`, rejects on `error` or after EVENT_TIMEOUT_MS. */
function once(el: HTMLMediaElement, ok: string, what: string, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (f: () => void) => () => {
      clearTimeout(timer);
      el.removeEventListener(ok, onOk);
      el.removeEventListener('error', onErr);
      f();
    };
    const onOk = done(resolve);
    const onErr = done(() => reject(new InvalidMediaError(`${name}: the browser cannot play this video (${el.error?.message || `media error ${el.error?.code}`})`)));
    const timer = setTimeout(done(() => reject(new InvalidMediaError(`${name}: timed out waiting for ${what} (${EVENT_TIMEOUT_MS} ms)`))), EVENT_TIMEOUT_MS);
    el.addEventListener(ok, onOk);
    el.addEventListener('error', onErr);
  });
}

async function decodeWithElement(bytes: Uint8Array, name: string, timesFor: (duration: number) => number[]): Promise<VideoFrames> {
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  try {
    const meta = once(video, 'loadedmetadata', 'the video metadata', name);
    video.src = url;
    await meta;
    let duration = video.duration;
    if (!Number.isFinite(duration)) {
      // live recordings (MediaRecorder) carry no duration: seeking far makes the browser find the end
      const changed = once(video, 'seeked', 'the end of the video', name);
      video.currentTime = 1e7;
      await changed;
      duration = video.duration;
    }
    const w = video.videoWidth, h = video.videoHeight;
    if (!(w > 0 && h > 0 && Number.isFinite(duration))) throw new InvalidMediaError(`${name}: the browser reports no video frames (${w}x${h}, ${duration} s)`);
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    const frames: Float32Array[] = [];
    for (const t of timesFor(duration)) {
      const seeked = once(video, 'seeked', `a seek to ${t} s`, name);
      video.currentTime = Math.min(Math.max(0, t + 1e-4), duration);
      await seeked;
      ctx.drawImage(video, 0, 0, w, h);
      frames.push(fromRgba(w, h, ctx.getImageData(0, 0, w, h, { colorSpace: 'srgb' }).data).rgb);
    }
    return { width: w, height: h, duration, frames };
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}
