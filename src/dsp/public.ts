// Public surface of the audio frontend (issue 3). Re-exported by src/index.ts.
export { AudioFrontend, type BatchResult } from './frontend.ts';
export { decodeWav, type DecodedWav } from './wav.ts';
export { SSCL_AUDIO, type SpectrogramOptions, type MelSpectrogramOptions, type LogOption, type Spectrogram } from './options.ts';
export { specAugment, SPEC_AUGMENT_POLICIES, drawSpecAugment, type SpecAugmentOptions, type SpecAugmentParams, type SpecAugmentDraws } from './specaugment.ts';
export { Mulberry32 } from './prng.ts';
export { InvalidAudioError, InvalidWavError } from '../errors.ts';
