// The `sscl` namespace: the SSCL training loop (curriculum of self-instance + cross-modal transfer stages),
// checkpoints, and evaluation of the learned encoders (docs/training.md).
export { createTrainer, loadCheckpoint, Trainer, type StepEvent, type RunOptions, type LoadCheckpointOptions, type TrainerObjects } from './trainer.ts';
export { PRESET_DEFAULTS, type TrainerOptions, type TrainerPreset, type Modality, type Phase, type SsclEncoder, type EncoderSource, type SsclDataset, type SsclBatch, type AvDigitsSpec, type ResolvedOptions } from './options.ts';
export { embed, crossModalRetrieval, viewRetrieval, linearProbe, splitByParity, type EmbedOptions, type Embeddings, type RetrievalResult, type Recall, type LinearProbeOptions, type LinearProbeResult, type ProbeSplit } from './eval.ts';
export { TrainingOptionsError, TrainingDivergedError, CheckpointError } from '../../errors.ts';
