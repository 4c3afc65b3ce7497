// Public surface of the data pipeline (issue 6). Re-exported by src/index.ts. Names are kept specific
// (no bare `resample`/`normalize`) so the other barrels can `export *` next to this one.
export { datasets } from './datasets.ts';
export { AvDigits, type AvDigitsOptions } from './avdigits/dataset.ts';
export type { AvItem, AvBatch, BatchOptions, TensorBatch } from './batch.ts';
export { specAugmentFor } from './batch.ts';
export { ManifestDataset, type ManifestEntry, type ManifestOptions } from './manifest.ts';
export { type DecodedAudio } from './media/wav.ts';
export { decodeOggVorbis } from './media/vorbis/index.ts';
export { TuxAv, type TuxAvOptions, type TuxItem } from './tuxav/dataset.ts';
export type { Speaker, EspeakFactory } from './avdigits/speech.ts';
export { PRESETS as CLIP_PRESETS, type ClipPreset, type PresetName as ClipPresetName } from './presets.ts';
export { Rng } from './rng.ts';
export { sampleClipAugment, augmentClipReference, IMAGENET_NORMALIZE, type ClipAugmentParams, type ClipAugmentOptions } from './augment/clip.ts';
export { augmentClipsGpu } from './augment/gpu.ts';
export { demuxWebm, type WebmFile, type WebmTrack, type WebmFrame } from './media/webm/demux.ts';
export { muxWebm, type MuxTrack, type MuxFrame } from './media/webm/mux.ts';
export { resample as resampleAudio, cropAudio, gainJitter, alignedAudioStart } from './audio.ts';
export { DatasetAssetError, DatasetRuntimeError, InvalidMediaError } from './errors.ts';
