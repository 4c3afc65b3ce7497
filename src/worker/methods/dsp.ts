// The audio frontend's heavy calls, run in the worker. One AudioFrontend per worker (its scratch memory is
// per instance; see src/dsp/frontend.ts). Results are fresh arrays made here, so their buffers are moved to
// the caller instead of copied.
import { AudioFrontend } from '../../dsp/frontend.ts';
import type { MelSpectrogramOptions, Spectrogram, SpectrogramOptions } from '../../dsp/options.ts';
import { decodeWav as decodeWavSync, type DecodedWav } from '../../dsp/wav.ts';
import type { WorkerContext } from '../registry.ts';
import { workerTransfer } from '../wire.ts';

/** melSpectrogramBatch's result: count clips of (bands, frames), clip-major in one array. */
export interface SpectrogramBatch {
  /** count × bands × frames values. */
  data: Float32Array;
  count: number;
  bands: number;
  frames: number;
}

function frontend(ctx: WorkerContext): Promise<AudioFrontend> {
  return ctx.memo('audioFrontend', () => AudioFrontend.create(ctx.config.wasm));
}

function moved<T extends { data: Float32Array }>(r: T): T {
  return workerTransfer(r, [r.data.buffer as ArrayBuffer]);
}

/** AudioFrontend.melSpectrogram in the worker: (nMels, frames). */
export async function melSpectrogram(ctx: WorkerContext, x: ArrayLike<number>, options?: MelSpectrogramOptions): Promise<Spectrogram> {
  return moved((await frontend(ctx)).melSpectrogram(x, options));
}

/** AudioFrontend.spectrogram in the worker: (nFft/2+1, frames). */
export async function spectrogram(ctx: WorkerContext, x: ArrayLike<number>, options?: SpectrogramOptions): Promise<Spectrogram> {
  return moved((await frontend(ctx)).spectrogram(x, options));
}

/**
 * AudioFrontend.melSpectrogramBatch in the worker: clips holds count × clipLength samples; the worker
 * allocates the (count, nMels, frames) result.
 */
export async function melSpectrogramBatch(ctx: WorkerContext, clips: Float32Array, clipLength: number, options?: MelSpectrogramOptions): Promise<SpectrogramBatch> {
  const fe = await frontend(ctx);
  let size = 0;
  // Size the output when the request makes sense; otherwise melSpectrogramBatch throws the typed error.
  if (clips instanceof Float32Array && Number.isInteger(clipLength) && clipLength > 0 && clips.length % clipLength === 0) {
    const { bands, frames } = fe.outputShape(clipLength, options, true);
    size = Math.max(0, (clips.length / clipLength) * bands * frames);
  }
  const data = new Float32Array(size);
  const r = fe.melSpectrogramBatch(clips, clipLength, data, options);
  return moved({ data, count: r.count, bands: r.bands, frames: r.frames });
}

/** AudioFrontend.resample in the worker (torchaudio.functional.resample semantics). */
export async function resample(ctx: WorkerContext, x: ArrayLike<number>, fromRate: number, toRate: number): Promise<Float32Array> {
  return workerTransfer((await frontend(ctx)).resample(x, fromRate, toRate));
}

/** decodeWav in the worker; the channels' buffers are moved to the caller. */
export function decodeWav(_ctx: WorkerContext, bytes: ArrayBuffer | ArrayBufferView): DecodedWav {
  const r = decodeWavSync(bytes);
  return workerTransfer(r, r.channels.map((c) => c.buffer as ArrayBuffer));
}
