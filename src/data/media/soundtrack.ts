// The soundtrack of a video file in browsers: decodeAudioData (OfflineAudioContext, pages) for any format
// the browser plays; in workers, which have no OfflineAudioContext, WebCodecs' AudioDecoder fed by our WebM
// demuxer (Opus, Vorbis), placing each decoded block at its timestamp and dropping the codec delay.
import { resample } from '../audio.ts';
import { DatasetRuntimeError, InvalidMediaError } from '../errors.ts';
import { demuxWebm, isEbml, type WebmFile, type WebmTrack } from './webm/demux.ts';

/** How to decode a soundtrack: `auto` = decodeAudioData where available, else WebCodecs for WebM. */
export type AudioDecoderChoice = 'auto' | 'webaudio' | 'webcodecs';

/** The soundtrack of a video (or any audio file the browser decodes), mono at `sampleRate`. */
export async function decodeAudioTrack(bytes: Uint8Array, name: string, sampleRate: number, choice: AudioDecoderChoice = 'auto'): Promise<Float32Array> {
  let file: WebmFile | null = null;
  if (isEbml(bytes)) {
    file = demuxWebm(bytes, name);
    if (!file.tracks.some((t) => t.kind === 'audio')) throw new InvalidMediaError(`${name}: the video has no audio track; give the entry an 'audio' WAV file`);
  }
  const g = globalThis as { OfflineAudioContext?: typeof OfflineAudioContext; AudioDecoder?: typeof AudioDecoder };
  if (choice !== 'webcodecs' && g.OfflineAudioContext) return decodeWebAudio(bytes, name, sampleRate, g.OfflineAudioContext);
  if (choice !== 'webaudio' && file && g.AudioDecoder) return decodeWebCodecs(file, name, sampleRate);
  throw new DatasetRuntimeError(
    `${name}: decoding this soundtrack needs OfflineAudioContext (a page, not a worker)${file ? ' or WebCodecs AudioDecoder' : ' (outside pages only WebM soundtracks are decoded)'}; give the entry an 'audio' WAV file instead`,
  );
}

async function decodeWebAudio(bytes: Uint8Array, name: string, sampleRate: number, Ctx: typeof OfflineAudioContext): Promise<Float32Array> {
  const ctx = new Ctx(1, 1, sampleRate);
  let buf: AudioBuffer;
  try {
    buf = await ctx.decodeAudioData(bytes.slice().buffer);
  } catch (cause) {
    throw new InvalidMediaError(`${name}: the browser could not decode the audio (${String((cause as Error)?.message ?? cause)})`, { cause });
  }
  if (buf.numberOfChannels === 1) return buf.getChannelData(0).slice();
  const out = new Float32Array(buf.length);
  for (let c = 0; c < buf.numberOfChannels; c++) {
    const ch = buf.getChannelData(c);
    for (let i = 0; i < out.length; i++) out[i] += ch[i] / buf.numberOfChannels;
  }
  return out;
}

/** WebCodecs codec config of a Matroska audio track, or null. */
function audioConfig(t: WebmTrack): AudioDecoderConfig | null {
  const base = { sampleRate: t.sampleRate ?? 48000, numberOfChannels: t.channels ?? 1 };
  if (t.codecId === 'A_OPUS') return { codec: 'opus', ...base, ...(t.codecPrivate ? { description: t.codecPrivate } : {}) };
  if (t.codecId === 'A_VORBIS' && t.codecPrivate) return { codec: 'vorbis', ...base, description: t.codecPrivate };
  return null;
}

async function decodeWebCodecs(file: WebmFile, name: string, sampleRate: number): Promise<Float32Array> {
  const track = file.tracks.find((t) => t.kind === 'audio')!;
  const config = audioConfig(track);
  if (!config || !(await AudioDecoder.isConfigSupported(config)).supported) {
    throw new DatasetRuntimeError(`${name}: no WebCodecs audio decoder here for ${track.codecId}; decode it in a page (OfflineAudioContext) or give the entry an 'audio' WAV file`);
  }
  const blocks: { t: number; pcm: Float32Array; rate: number }[] = [];
  let failure: unknown;
  const dec = new AudioDecoder({
    output: (d) => {
      try {
        const pcm = new Float32Array(d.numberOfFrames);
        const ch = new Float32Array(d.numberOfFrames);
        for (let c = 0; c < d.numberOfChannels; c++) {
          d.copyTo(ch, { planeIndex: c, format: 'f32-planar' });
          for (let i = 0; i < pcm.length; i++) pcm[i] += ch[i] / d.numberOfChannels;
        }
        blocks.push({ t: d.timestamp / 1e6, pcm, rate: d.sampleRate });
      } catch (e) {
        failure ??= e;
      } finally {
        d.close();
      }
    },
    error: (e) => void (failure ??= e),
  });
  try {
    dec.configure(config);
    for (const f of file.frames) if (f.track === track.number) dec.decode(new EncodedAudioChunk({ type: 'key', timestamp: Math.round(f.timestamp * 1e6), data: f.data }));
    await dec.flush();
  } catch (e) {
    failure ??= e;
  } finally {
    if (dec.state !== 'closed') dec.close();
  }
  if (failure !== undefined) throw new InvalidMediaError(`${name}: WebCodecs could not decode the ${track.codecId} audio (${String((failure as Error)?.message ?? failure)})`, { cause: failure });
  if (blocks.length === 0) throw new InvalidMediaError(`${name}: the audio track decoded to nothing`);
  // Place blocks at their timestamps (decoder rate) with the codec delay (Opus pre-skip) removed once. A
  // decoder may drop the delay itself: then its first block is short, and it may also have moved the
  // timestamps back by the delay (Chromium 156: blocks at 0 s x 648 samples, 0.0135 s, 0.0335 s for
  // chunks at 0, 0.02, 0.04 s with a 312-sample pre-skip). A short first block ends where the second begins.
  const rate = blocks[0].rate;
  const trimmed = blocks.length > 1 && blocks[0].pcm.length < blocks[1].pcm.length;
  const shifted = trimmed && Math.abs(blocks[1].t * rate - blocks[0].pcm.length) <= 1;
  const delay = shifted ? 0 : (track.codecDelay ?? 0);
  const at = blocks.map((b) => Math.round((b.t - delay) * rate));
  if (trimmed) at[0] = at[1] - blocks[0].pcm.length;
  const end = Math.max(...blocks.map((b, k) => at[k] + b.pcm.length));
  const pcm = new Float32Array(Math.max(0, end));
  blocks.forEach((b, k) => {
    for (let i = Math.max(0, -at[k]); i < b.pcm.length; i++) pcm[at[k] + i] = b.pcm[i];
  });
  return rate === sampleRate ? pcm : resample(pcm, rate, sampleRate);
}
