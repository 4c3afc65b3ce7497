// A WebM file made in the browser for test/data/video.test.ts: frames drawn on a canvas, encoded by
// WebCodecs' VideoEncoder (VP8) and AudioEncoder (Opus), muxed by our muxer. Frame k's top half is the flat
// stripes of stripeOf(k, j) (frame k's bits, red, blue) and its bottom half mid grey; the audio is silence with 1 kHz bursts at BURSTS.
import { muxWebm, type MuxFrame, type MuxTrack } from '../../src/data/media/webm/mux.ts';

export const FPS = 25;
export const FRAMES = 50; // 2 s
export const WIDTH = 64;
export const HEIGHT = 48;
export const AUDIO_RATE = 48000;
/** Burst start times (s) and length: 40 ms of a 1 kHz sine at 0.5, raised-cosine edges of 5 ms. */
export const BURSTS = [0.3, 0.7, 1.1, 1.5];
export const BURST_LEN = 0.04;

/**
 * Frame k's top half: 8 vertical stripes of 8 px, stripe j (j < 6) light (0.65) when bit j of k is set, else
 * dark (0.25); stripe 6 reddish (0.65, 0.25, 0.25), stripe 7 bluish (0.25, 0.35, 0.65). The bottom half is mid
 * grey. RGB in [0, 1] of stripe j of frame k. Levels stay in 0.25..0.65 because Chromium's VideoEncoder
 * writes canvas RGB as full-range YUV that its decoders read back as video range: v -> (255v - 16) / 219
 * (measured: 0.9 -> 0.976, 0.1 -> 0.047), an error below 0.035 only in this band.
 */
export function stripeOf(k: number, j: number): [number, number, number] {
  if (j === 6) return [0.65, 0.25, 0.25];
  if (j === 7) return [0.25, 0.35, 0.65];
  const v = (k >> j) & 1 ? 0.65 : 0.25;
  return [v, v, v];
}
export const STRIPES = 8;

/** The soundtrack at `rate`, sample i at time i / rate. */
export function soundtrack(rate: number, seconds = FRAMES / FPS): Float32Array {
  const out = new Float32Array(Math.round(rate * seconds));
  for (const t0 of BURSTS) {
    for (let i = Math.ceil(t0 * rate); i < (t0 + BURST_LEN) * rate && i < out.length; i++) {
      const u = i / rate - t0;
      const edge = Math.min(1, u / 0.005, (BURST_LEN - u) / 0.005);
      out[i] = 0.5 * Math.sin(2 * Math.PI * 1000 * u) * (0.5 - 0.5 * Math.cos(Math.PI * Math.max(0, edge)));
    }
  }
  return out;
}

/** Encodes FRAMES frames (+ the soundtrack unless `audio` is false) to a WebM file; keyframes every `keyEvery`. */
export async function makeWebm(opts: { keyEvery?: number; audio?: boolean } = {}): Promise<{ bytes: Uint8Array; preSkip: number }> {
  const keyEvery = opts.keyEvery ?? 10;
  const frames: MuxFrame[] = [];
  let failure: unknown;
  const venc = new VideoEncoder({
    output: (chunk) => {
      const data = new Uint8Array(chunk.byteLength);
      chunk.copyTo(data);
      frames.push({ track: 0, timestamp: chunk.timestamp / 1e6, key: chunk.type === 'key', data });
    },
    error: (e) => void (failure ??= e),
  });
  venc.configure({ codec: 'vp8', width: WIDTH, height: HEIGHT, bitrate: 2_000_000, framerate: FPS });
  const canvas = new OffscreenCanvas(WIDTH, HEIGHT);
  const ctx = canvas.getContext('2d')!;
  for (let k = 0; k < FRAMES; k++) {
    for (let j = 0; j < STRIPES; j++) {
      const [r, g, b] = stripeOf(k, j).map((v) => Math.round(v * 255));
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect((j * WIDTH) / STRIPES, 0, WIDTH / STRIPES, HEIGHT / 2);
    }
    ctx.fillStyle = 'rgb(128,128,128)';
    ctx.fillRect(0, HEIGHT / 2, WIDTH, HEIGHT / 2);
    const frame = new VideoFrame(canvas, { timestamp: Math.round((k * 1e6) / FPS), duration: Math.round(1e6 / FPS) });
    venc.encode(frame, { keyFrame: k % keyEvery === 0 });
    frame.close();
  }
  await venc.flush();
  venc.close();
  let preSkip = 0;
  const tracks: MuxTrack[] = [{ kind: 'video', codecId: 'V_VP8', width: WIDTH, height: HEIGHT }];
  if (opts.audio !== false) {
    let description: Uint8Array | undefined;
    const aenc = new AudioEncoder({
      output: (chunk, meta) => {
        if (meta?.decoderConfig?.description) description = new Uint8Array(meta.decoderConfig.description as ArrayBuffer);
        const data = new Uint8Array(chunk.byteLength);
        chunk.copyTo(data);
        frames.push({ track: 1, timestamp: Math.max(0, chunk.timestamp) / 1e6, key: true, data });
      },
      error: (e) => void (failure ??= e),
    });
    aenc.configure({ codec: 'opus', sampleRate: AUDIO_RATE, numberOfChannels: 1, bitrate: 128_000 });
    const pcm = soundtrack(AUDIO_RATE);
    aenc.encode(new AudioData({ format: 'f32', sampleRate: AUDIO_RATE, numberOfChannels: 1, numberOfFrames: pcm.length, timestamp: 0, data: pcm as Float32Array<ArrayBuffer> }));
    await aenc.flush();
    aenc.close();
    // OpusHead (RFC 7845 section 5.1): from the encoder when it gives one, else written with the usual 312-sample pre-skip
    const head = description ?? new Uint8Array([0x4f, 0x70, 0x75, 0x73, 0x48, 0x65, 0x61, 0x64, 1, 1, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0]);
    preSkip = head[10] | (head[11] << 8);
    tracks.push({ kind: 'audio', codecId: 'A_OPUS', codecPrivate: head, sampleRate: AUDIO_RATE, channels: 1, codecDelay: preSkip / 48000, seekPreRoll: 0.08 });
  }
  if (failure) throw failure;
  return { bytes: muxWebm(tracks, frames, { duration: FRAMES / FPS }), preSkip };
}
