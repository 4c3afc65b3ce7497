// sscl.createTrainer: the SSCL curriculum (stage I: video teacher self-instance + transfer to audio;
// stage II: audio teacher; stages repeat) as an async generator of step events. State lives on the GPU:
// query + momentum key encoders per modality, one SGD over both query encoders, a MoCo queue per modality
// and (negatives 'bank') a memory bank per modality. Everything a step draws is a function of (seed, step),
// so N steps == k steps + checkpoint + load + (N - k) steps, bit for bit (test/train/sscl_resume.test.ts).
import { NonFiniteError, TrainingDivergedError, TrainingOptionsError } from '../../errors.ts';
import { createModel } from '../../models/encoder.ts';
import { lrAt } from '../../optim/schedule.ts';
import { SGD } from '../../optim/sgd.ts';
import { mixSeed } from '../../data/rng.ts';
import { contextOf, type DeviceLike } from '../../tensor/tensor.ts';
import type { GpuContext } from '../../gpu/context.ts';
import { createMemoryBank, createQueue } from '../contrastive/memory.ts';
import { momentumUpdate } from '../contrastive/momentum.ts';
import { avDigitsOf, batchIndices } from './data.ts';
import { planAt, resolveOptions, totalSteps, type EncoderSource, type Modality, type Phase, type ResolvedOptions, type SsclBatch, type SsclDataset, type SsclEncoder, type TrainerOptions } from './options.ts';
import { recordStep, type SsclState } from './step.ts';
import { decodeCheckpoint, encodeCheckpoint, restoreCheckpoint } from './checkpoint.ts';

/** What `trainer.run()` yields after every step. */
export interface StepEvent {
  /** 1-based curriculum stage. */
  stage: number;
  phase: Phase;
  teacher: Modality;
  /** Global step index (0-based) of the step just done; `trainer.step` is now step + 1. */
  step: number;
  /** Step within the current phase (0-based). */
  phaseStep: number;
  loss: number;
  lr: number;
  /** Wall time of the whole step (data + GPU), ms. */
  ms: number;
  /** Of which waiting for the batch (rendering, augmentation, log-mel), ms. */
  dataMs: number;
}

export interface RunOptions {
  /** Run at most this many steps (default: to the end of the curriculum). */
  steps?: number;
}

const MODALITIES: Modality[] = ['video', 'audio'];

async function instantiate(src: EncoderSource): Promise<SsclEncoder> {
  return typeof src === 'function' ? await src() : await src.clone();
}

/**
 * An SSCL training run. Create with {@link createTrainer} (or {@link loadCheckpoint} to resume).
 */
export class Trainer {
  /** Next global step (0-based): steps done so far. */
  step = 0;
  private failed: TrainingDivergedError | null = null;
  private running = false;

  /** @internal */
  constructor(
    readonly options: ResolvedOptions,
    readonly device: DeviceLike,
    readonly dataset: SsclDataset,
    /** @internal */ readonly state: SsclState,
    /** Encoders this trainer made (disposed with it); models passed in by the caller stay theirs. */
    private readonly owned: ReadonlySet<SsclEncoder>,
  ) {}

  /** Total steps of the curriculum (stages x (selfSteps + transferSteps)). */
  get totalSteps(): number {
    return totalSteps(this.options);
  }

  /** The query encoder of a modality (the one to evaluate), or its momentum key encoder. */
  encoder(modality: Modality, which: 'query' | 'key' = 'query'): SsclEncoder {
    return this.state.models[modality][which];
  }

  /** The learning rate of global step `step`: linear warm-up (paper), then constant or cosine. */
  lrAt(step: number): number {
    const o = this.options;
    return lrAt(step, { baseLr: o.lr, warmupSteps: o.warmupSteps, decay: o.schedule, totalSteps: Math.max(this.totalSteps, o.warmupSteps + 1) });
  }

  /**
   * Runs the curriculum from `trainer.step`, yielding one event per step. Each step reads its batch(es),
   * records forward + loss + backward (one submission, the loss read back once), then applies the SGD
   * step, the momentum update and the enqueue. A non-finite loss (or above `maxLoss`) throws
   * TrainingDivergedError before anything of that step is applied.
   *
   * @example
   * ```ts
   * const trainer = await sscl.createTrainer({ device, preset: 'tiny', selfSteps: 2, transferSteps: 2 });
   * for await (const e of trainer.run()) console.log(e.stage, e.phase, e.teacher, e.step, e.loss.toFixed(3));
   * // 1 self-instance video 0 0.431   (first line: the default `sscl train` run's first step is the same step, measured)
   * ```
   */
  async *run(opts: RunOptions = {}): AsyncGenerator<StepEvent, void, undefined> {
    if (this.failed) throw new TrainingDivergedError(this.failed.step, this.failed.loss, `the run diverged at step ${this.failed.step}; load a checkpoint (or lower lr) and run again`);
    if (this.running) throw new TrainingOptionsError('run', 'this trainer is already running; consume one run() generator at a time');
    const limit = opts.steps === undefined ? Infinity : opts.steps;
    if (!(limit >= 0) || (limit !== Infinity && !Number.isInteger(limit))) throw new TrainingOptionsError('steps', `must be a non-negative integer, got ${String(opts.steps)}`);
    this.running = true;
    try {
      const end = Math.min(this.totalSteps, this.step + limit);
      while (this.step < end) yield await this.runStep();
    } finally {
      this.running = false;
    }
  }

  private async runStep(): Promise<StepEvent> {
    const o = this.options, step = this.step;
    const plan = planAt(o, step);
    const t0 = performance.now();
    const indices = batchIndices(this.dataset.length, o.batchSize, o.seed, step);
    const nViews = plan.phase === 'self-instance' ? 2 : 1;
    const gpu = contextOf(this.device).gpu;
    const views: SsclBatch[] = [];
    try {
      for (let v = 0; v < nViews; v++) views.push(await this.dataset.batch(indices, { augment: o.augment, seed: mixSeed(o.seed, step, v + 1), device: gpu }));
      const dataMs = performance.now() - t0;
      const lr = this.lrAt(step);
      this.state.opt.lr = lr;
      const rec = recordStep(this.state, { ...plan, step }, views, indices, o);
      let loss: number;
      let nonFinite: NonFiniteError | undefined;
      try {
        loss = await rec.loss.item(); // the step's submission and its only read-back
      } catch (e) {
        // The contrastive kernels' GPU guards report NaN/Inf features here (the loss is NaN then): that is
        // this step diverging, so it takes the same path; anything else is not ours to reinterpret.
        if (!(e instanceof NonFiniteError)) {
          rec.discard();
          throw e;
        }
        nonFinite = e;
        loss = NaN;
      } finally {
        rec.loss.dispose();
      }
      if (!Number.isFinite(loss) || loss > o.maxLoss) {
        rec.discard();
        const what = nonFinite ? `non-finite features (${nonFinite.input})` : `loss ${loss}${Number.isFinite(loss) ? ` > maxLoss ${o.maxLoss}` : ''}`;
        this.failed = new TrainingDivergedError(step, loss, `training diverged at step ${step} (stage ${plan.stage}, ${plan.phase}, teacher ${plan.teacher}): ${what}. Nothing of this step was applied; lower lr (${o.lr}) or check the data for NaN/Inf, then resume from a checkpoint`, { cause: nonFinite });
        throw this.failed;
      }
      rec.apply();
      this.step = step + 1;
      return { stage: plan.stage, phase: plan.phase, teacher: plan.teacher, step, phaseStep: plan.phaseStep, loss, lr, ms: performance.now() - t0, dataMs };
    } finally {
      views.forEach((b) => b.dispose());
    }
  }

  /** Serialises the whole run state (see checkpoint.ts). */
  async saveCheckpoint(): Promise<Uint8Array<ArrayBuffer>> {
    return encodeCheckpoint(this.options, this.step, this.state);
  }

  /** Frees every GPU object of the run: queues, banks, optimizer buffers and the encoders the trainer made (not models you passed in). */
  dispose(): void {
    const ctx: GpuContext = contextOf(this.device);
    ctx.flush();
    this.state.opt.dispose();
    for (const m of MODALITIES) {
      this.state.queues[m].dispose();
      this.state.banks?.[m].dispose();
      for (const enc of [this.state.models[m].query, this.state.models[m].key]) if (this.owned.has(enc)) enc.dispose?.();
    }
  }
}

/** What loadCheckpoint passes back in: objects a checkpoint cannot hold. */
export interface TrainerObjects {
  encoders?: TrainerOptions['encoders'];
  dataset?: SsclDataset;
}

/** @internal Builds a trainer from resolved options (createTrainer and loadCheckpoint). */
export async function buildTrainer(o: ResolvedOptions, device: DeviceLike, objs: TrainerObjects): Promise<Trainer> {
  const ctx = contextOf(device);
  const models = {} as SsclState['models'];
  const owned = new Set<SsclEncoder>();
  for (const m of MODALITIES) {
    let query: SsclEncoder, key: SsclEncoder;
    if (objs.encoders) {
      const src = objs.encoders[m];
      query = typeof src === 'function' ? await src() : src;
      key = await instantiate(src);
      if (typeof src === 'function') owned.add(query);
      owned.add(key);
    } else {
      const arch = m === 'video' ? 's3d' : 'audio-resnet10';
      const seed = mixSeed(o.seed, m === 'video' ? 1 : 2);
      query = await createModel(arch, { preset: o.preset, device, seed });
      key = await createModel(arch, { preset: o.preset, device, seed });
      owned.add(query).add(key);
    }
    for (const enc of [query, key]) enc.train?.(true);
    momentumUpdate(key, query, 0); // MoCo: the key encoder starts as a copy of the query encoder
    models[m] = { query, key };
  }
  const dim = o.dim;
  let dataset: SsclDataset;
  if (o.dataset.kind === 'avDigits') dataset = await avDigitsOf(o.dataset, o.preset);
  else if (objs.dataset) dataset = objs.dataset;
  else throw new TrainingOptionsError('dataset', 'this run trained on your own dataset: pass it again ({ dataset })');
  const queues = { video: createQueue(ctx, { size: o.queueSize, dim, seed: o.seed, stream: 11 }), audio: createQueue(ctx, { size: o.queueSize, dim, seed: o.seed, stream: 12 }) };
  const banks = o.negatives === 'bank'
    ? { video: createMemoryBank(ctx, { size: dataset.length, dim, momentum: o.bankMomentum, seed: o.seed, stream: 13 }), audio: createMemoryBank(ctx, { size: dataset.length, dim, momentum: o.bankMomentum, seed: o.seed, stream: 14 }) }
    : null;
  const params = [...models.video.query.parameters(), ...models.audio.query.parameters()];
  const opt = new SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
  return new Trainer(o, device, dataset, { models, queues, banks, opt }, owned);
}

/**
 * Creates an SSCL trainer: encoders (the preset's S3D + ResNet-10 with heads, or yours), momentum
 * encoders, queues/banks, SGD, and the data (AV-Digits by default). Options are validated up front
 * (TrainingOptionsError naming the option); defaults are the paper's where they fit the preset.
 *
 * @example
 * ```ts
 * const device = await getDevice();
 * const trainer = await sscl.createTrainer({ device, preset: 'tiny', batchSize: 16, seed: 0 });
 * for await (const e of trainer.run({ steps: 10 })) console.log(e.step, e.phase, e.loss);
 * const bytes = await trainer.saveCheckpoint();
 * ```
 */
export async function createTrainer(options: TrainerOptions): Promise<Trainer> {
  const o = resolveOptions(options);
  const ds = options.dataset;
  return buildTrainer(o, options.device, { encoders: options.encoders, dataset: o.dataset.kind === 'custom' ? (ds as SsclDataset) : undefined });
}

export interface LoadCheckpointOptions extends TrainerObjects {
  device: DeviceLike;
}

/**
 * Resumes a run from `trainer.saveCheckpoint()` bytes: same options, encoders, momentum encoders, SGD
 * momentum buffers, queues (keys + pointers), memory banks and step counter, so training continues
 * bit-identically. Runs on your own encoders or dataset need them passed again (`encoders`, `dataset`).
 *
 * @example
 * ```ts
 * const trainer = await sscl.loadCheckpoint(bytes, { device });
 * for await (const e of trainer.run()) console.log(e.step, e.loss);
 * ```
 * @throws CheckpointError for malformed, truncated or foreign bytes, or a state that does not fit the encoders.
 */
export async function loadCheckpoint(bytes: Uint8Array, opts: LoadCheckpointOptions): Promise<Trainer> {
  if (!opts || !opts.device) throw new TrainingOptionsError('device', 'loadCheckpoint(bytes, { device }): pass the device from getDevice()');
  const ck = decodeCheckpoint(bytes);
  if (ck.options.customEncoders && !opts.encoders) throw new TrainingOptionsError('encoders', 'this checkpoint was trained with your own encoders: pass them again ({ encoders: { video, audio } })');
  const o = resolveOptions({ ...(ck.rawOptions as unknown as TrainerOptions), device: opts.device, encoders: opts.encoders, dataset: ck.options.dataset.kind === 'custom' ? opts.dataset : (ck.options.dataset as TrainerOptions['dataset']) });
  const trainer = await buildTrainer(o, opts.device, { encoders: opts.encoders, dataset: opts.dataset });
  try {
    await restoreCheckpoint(ck, trainer.state);
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  trainer.step = ck.step;
  return trainer;
}
