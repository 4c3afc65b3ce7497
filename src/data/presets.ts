// Clip presets: how many frames, at which stride of a virtual video at `fps`, what frame size, and the
// audio window aligned with the clip.
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
}

export type PresetName = 'tiny' | 'small' | 'paper';

/**
 * - `tiny`: 8 frames of 32x32 at stride 1 of 8 fps (0.875 s), 1 s of 16 kHz audio. Tests, demos, CPU training.
 * - `small`: 16 frames of 64x64 at stride 2 of 25 fps (1.2 s), 1.5 s of 16 kHz audio.
 * - `paper`: 16 frames of 112x112 at stride 4 of 25 fps (2.4 s), 2 s of 24 kHz audio (SSCL, AAAI 2021).
 */
export const PRESETS: Record<PresetName, ClipPreset> = {
  tiny: { frames: 8, stride: 1, fps: 8, height: 32, width: 32, audioSeconds: 1, sampleRate: 16000 },
  small: { frames: 16, stride: 2, fps: 25, height: 64, width: 64, audioSeconds: 1.5, sampleRate: 16000 },
  paper: { frames: 16, stride: 4, fps: 25, height: 112, width: 112, audioSeconds: 2, sampleRate: 24000 },
};

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
