// Public surface of the data pipeline (issue 6). Re-exported by src/index.ts.
export { datasets } from './datasets.ts';
export { AvDigits, type AvDigitsOptions, type AvItem, type AvBatch, type BatchOptions } from './avdigits/dataset.ts';
export type { Speaker } from './avdigits/speech.ts';
export { PRESETS, type ClipPreset, type PresetName } from './presets.ts';
export { Rng, mixSeed } from './rng.ts';
export { sampleClipAugment, augmentClipReference, IMAGENET_NORMALIZE, type ClipAugmentParams, type ClipAugmentOptions } from './augment/clip.ts';
export { augmentClipsGpu } from './augment/gpu.ts';
export { resample, cropAudio, gainJitter, alignedAudioStart } from './audio.ts';
export { DatasetAssetError, DatasetRuntimeError } from './errors.ts';
