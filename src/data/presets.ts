// Clip presets: how many frames, at which stride of a virtual video at `fps`, what frame size, and the
// audio window aligned with the clip.
import { SSCL_AUDIO, type MelSpectrogramOptions } from '../dsp/options.ts';
import { InvalidArgumentError } from '../errors.ts';

export interface ClipPreset {
  /** Frames per clip (T). */
  frames: number;
  /** Temporal stride between sampled frames, in frames of the source video. */
  stride: number;
  /** Frame rate of the (virtual) source video. */
  fps: number;
  /** Frame height and width. */
  height: number;
  width: number;
  /** Audio window length in seconds, centred on the clip. */
  audioSeconds: number;
  /** Audio sample rate. */
  sampleRate: number;
  /**
   * Log-mel settings of `batch()`'s audio tensor (B, 1, nMels, frames); `sampleRate` must equal the
   * preset's. Required by `batch()` (not by `get`/`batchArrays`). See docs/data.md for the built-in choices.
   */
  audioFeatures?: MelSpectrogramOptions;
}

export type PresetName = 'tiny' | 'small' | 'paper';

/**
 * - `tiny`: 8 frames of 32x32 at stride 1 of 8 fps (0.875 s), 1 s of 16 kHz audio. Tests, demos, CPU training.
 * - `small`: 16 frames of 64x64 at stride 2 of 25 fps (1.2 s), 1.5 s of 16 kHz audio.
 * - `paper`: 16 frames of 112x112 at stride 4 of 25 fps (2.4 s), 2 s of 24 kHz audio (SSCL, AAAI 2021).
 */
export const PRESETS: Record<PresetName, ClipPreset> = {
  tiny: { frames: 8, stride: 1, fps: 8, height: 32, width: 32, audioSeconds: 1, sampleRate: 16000, audioFeatures: logMel(16000, 512, 253, 64) },
  small: { frames: 16, stride: 2, fps: 25, height: 64, width: 64, audioSeconds: 1.5, sampleRate: 16000, audioFeatures: logMel(16000, 1024, 188, 128) },
  paper: { frames: 16, stride: 4, fps: 25, height: 112, width: 112, audioSeconds: 2, sampleRate: 24000, audioFeatures: { ...SSCL_AUDIO } },
};

/**
 * SSCL_AUDIO's recipe (periodic Hann, center + reflect, power 2, HTK mels over the full band, ln(x + 1e-6))
 * at another rate / size. With center=true, frames = 1 + floor(samples / hop):
 * - tiny: 16000 samples, hop 253 -> 64 frames (251..253 give 64; 253 puts the last frame nearest the end);
 *   nFft 512 (32 ms): every one of the 64 mel filters holds FFT bins (256 leaves one filter empty).
 * - small: 24000 samples, hop 188 -> 128 frames (only 188 gives 128); nFft 1024: no empty filter among
 *   128 (512 leaves one empty). Checked with melFilterbank (test/data/batch_tensors.test.ts).
 */
function logMel(sampleRate: number, nFft: number, hopLength: number, nMels: number): MelSpectrogramOptions {
  return { sampleRate, nFft, winLength: nFft, hopLength, window: 'hann', center: true, padMode: 'reflect', power: 2, normalized: false, nMels, fMin: 0, fMax: sampleRate / 2, norm: null, melScale: 'htk', log: { offset: 1e-6 } };
}

/** Resolves a preset name or a custom preset object, validating it. */
export function resolvePreset(p: PresetName | ClipPreset | undefined): ClipPreset {
  if (p === undefined) return PRESETS.tiny;
  if (typeof p === 'string') {
    const r = PRESETS[p as PresetName];
    if (!r) throw new InvalidArgumentError(`unknown preset '${p}': use 'tiny', 'small' or 'paper', or pass a ClipPreset object`);
    return r;
  }
  for (const k of ['frames', 'stride', 'height', 'width'] as const) {
    if (!(Number.isInteger(p[k]) && p[k] > 0)) throw new InvalidArgumentError(`preset.${k} must be a positive integer, got ${p[k]}`);
  }
  for (const k of ['fps', 'audioSeconds', 'sampleRate'] as const) {
    if (!(Number.isFinite(p[k]) && p[k] > 0)) throw new InvalidArgumentError(`preset.${k} must be a positive number, got ${p[k]}`);
  }
  if (p.sampleRate < 8000 || p.sampleRate > 96000) throw new InvalidArgumentError(`preset.sampleRate must be in [8000, 96000], got ${p.sampleRate}`);
  return p;
}
