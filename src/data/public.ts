// Public surface of the data pipeline (issue 6). Re-exported by src/index.ts. Names are kept specific
// (no bare `resample`/`normalize`) so the other barrels can `export *` next to this one.
export { datasets } from './datasets.ts';
export { AvDigits, type AvDigitsOptions, type AvItem, type AvBatch, type BatchOptions } from './avdigits/dataset.ts';
export type { Speaker } from './avdigits/speech.ts';
export { PRESETS as CLIP_PRESETS, type ClipPreset, type PresetName as ClipPresetName } from './presets.ts';
export { Rng } from './rng.ts';
export { sampleClipAugment, augmentClipReference, IMAGENET_NORMALIZE, type ClipAugmentParams, type ClipAugmentOptions } from './augment/clip.ts';
export { augmentClipsGpu } from './augment/gpu.ts';
export { resample as resampleAudio, cropAudio, gainJitter, alignedAudioStart } from './audio.ts';
export { DatasetAssetError, DatasetRuntimeError } from './errors.ts';
