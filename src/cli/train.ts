// `sscl train`: the SDK's demo and a real training entry point. Default: AV-Digits (tiny preset), 2 curriculum
// stages, per-step lines, then cross-modal retrieval and linear probes on the held-out test split (speakers
// and digit images disjoint from training) for the untrained and the trained encoders side by side, and a
// checkpoint + result.json in the out dir.
import { getDevice } from '../gpu/device.ts';
import { nodeBuiltin } from '../runtime.ts';
import { SsclError } from '../errors.ts';
import { createTrainer, loadCheckpoint, type Trainer } from '../train/sscl/trainer.ts';
import { embed, crossModalRetrieval, viewRetrieval, linearProbe, splitByParity, type RetrievalResult } from '../train/sscl/eval.ts';
import { avDigitsOf } from '../train/sscl/data.ts';
import type { AvDigitsSpec, SsclDataset, SsclEncoder, TrainerPreset } from '../train/sscl/options.ts';

export const TRAIN_USAGE = `  train [--preset tiny|small|paper] [--steps N] [--batch B] [--stages S] [--out DIR] [--seed S]
        [--resume FILE] [--eval-size N] [--noise X] [--lr LR] [--queue-size K] [--joint] [--batch-negatives]
        [--first-teacher video|audio] [--self-steps N] [--transfer-steps N] [--no-baseline] [--json]
                  SSCL on AV-Digits: self-instance + cross-modal transfer stages, then retrieval R@1/5/10,
                  linear-probe accuracy and held-out self-instance (augmented-view) retrieval on the test split
                  vs chance and vs the untrained encoders; writes DIR/checkpoint.safetensors and DIR/result.json
                  (default DIR ./sscl-run; default run: tiny, 40 steps = 2 stages x (10 self-instance + 10 transfer),
                  batch 16; 103-350 s measured on a shared 2-core machine)`;

interface Args {
  preset?: TrainerPreset;
  steps?: number;
  batch?: number;
  stages?: number;
  out: string;
  seed?: number;
  resume?: string;
  evalSize: number;
  noise?: number;
  lr?: number;
  queueSize?: number;
  firstTeacher?: 'video' | 'audio';
  selfSteps?: number;
  transferSteps?: number;
  joint?: boolean;
  batchNegatives?: boolean;
  baseline: boolean;
  json: boolean;
}

class UsageError extends Error {}

/** The few node:fs calls used here (the SDK's sources do not depend on @types/node). */
interface NodeFs {
  readFileSync(p: string): Uint8Array;
  writeFileSync(p: string, data: string | Uint8Array): void;
  mkdirSync(p: string, o: { recursive: boolean }): void;
}

function parse(argv: string[]): Args {
  const a: Args = { out: 'sscl-run', evalSize: 200, baseline: true, json: false };
  const int = (k: string, v: string | undefined, lo: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < lo) throw new UsageError(`--${k} needs an integer >= ${lo}, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i], v = argv[i + 1];
    switch (k) {
      case '--preset':
        if (v !== 'tiny' && v !== 'small' && v !== 'paper') throw new UsageError(`--preset must be tiny, small or paper, got ${v ?? 'nothing'}`);
        a.preset = v;
        i++;
        break;
      case '--steps': a.steps = int('steps', v, 1); i++; break;
      case '--batch': a.batch = int('batch', v, 2); i++; break;
      case '--stages': a.stages = int('stages', v, 1); i++; break;
      case '--seed': a.seed = int('seed', v, 0); i++; break;
      case '--eval-size': a.evalSize = int('eval-size', v, 4); i++; break;
      case '--noise': {
        const n = Number(v);
        if (v === undefined || !(n >= 0 && n <= 1)) throw new UsageError(`--noise needs a number in [0, 1], got ${v ?? 'nothing'}`);
        a.noise = n;
        i++;
        break;
      }
      case '--out':
      case '--resume':
        if (!v || v.startsWith('--')) throw new UsageError(`${k} needs a path`);
        if (k === '--out') a.out = v;
        else a.resume = v;
        i++;
        break;
      case '--lr': {
        const n = Number(v);
        if (v === undefined || !(n > 0 && n < 100)) throw new UsageError(`--lr needs a positive number, got ${v ?? 'nothing'}`);
        a.lr = n;
        i++;
        break;
      }
      case '--queue-size': a.queueSize = int('queue-size', v, 1); i++; break;
      case '--first-teacher':
        if (v !== 'video' && v !== 'audio') throw new UsageError(`--first-teacher must be video or audio, got ${v ?? 'nothing'}`);
        a.firstTeacher = v;
        i++;
        break;
      case '--self-steps': a.selfSteps = int('self-steps', v, 0); i++; break;
      case '--transfer-steps': a.transferSteps = int('transfer-steps', v, 0); i++; break;
      case '--joint': a.joint = true; break;
      case '--batch-negatives': a.batchNegatives = true; break;
      case '--no-baseline': a.baseline = false; break;
      case '--json': a.json = true; break;
      default: throw new UsageError(`unknown option ${k}`);
    }
  }
  if (a.resume && (a.preset || a.steps || a.batch || a.stages || a.seed !== undefined || a.noise !== undefined || a.lr || a.queueSize || a.joint || a.batchNegatives || a.firstTeacher || a.selfSteps !== undefined || a.transferSteps !== undefined)) throw new UsageError('--resume continues the checkpoint\'s run with its own settings: drop --preset/--steps/--batch/--stages/--seed/--noise/--lr/--queue-size/--joint/--batch-negatives/--first-teacher/--self-steps/--transfer-steps');
  if (!a.resume) plan(a);
  return a;
}

/**
 * The default demo curriculum: the paper's order (video teacher first), 2 stages x (10 self-instance + 10
 * transfer). An audio-first plan with 100 audio self-instance steps was measured against it and did no better on
 * held-out clips (docs/training.md, "Held-out learning"); `--first-teacher`, `--self-steps`, `--transfer-steps` run it.
 */
export const DEFAULT_PLAN = { stages: 2, firstTeacher: 'video', selfSteps: 10, transferSteps: 10 } as const;

/** Stages and steps per phase: explicit --self-steps/--transfer-steps, else --steps split evenly, else DEFAULT_PLAN. */
function plan(a: Args): { stages: number; selfSteps: number; transferSteps: number } {
  const stages = a.stages ?? DEFAULT_PLAN.stages;
  if (a.selfSteps !== undefined || a.transferSteps !== undefined) {
    const selfSteps = a.selfSteps ?? DEFAULT_PLAN.selfSteps, transferSteps = a.transferSteps ?? DEFAULT_PLAN.transferSteps;
    if (selfSteps + transferSteps === 0) throw new UsageError('--self-steps and --transfer-steps are both 0: nothing to train');
    if (a.steps !== undefined && a.steps !== stages * (selfSteps + transferSteps)) throw new UsageError(`--steps ${a.steps} disagrees with --stages ${stages} x (--self-steps ${selfSteps} + --transfer-steps ${transferSteps}): give one or the other`);
    return { stages, selfSteps, transferSteps };
  }
  if (a.steps === undefined && a.stages === undefined) return { stages, selfSteps: DEFAULT_PLAN.selfSteps, transferSteps: DEFAULT_PLAN.transferSteps };
  const steps = a.steps ?? DEFAULT_PLAN.stages * (DEFAULT_PLAN.selfSteps + DEFAULT_PLAN.transferSteps); // 40 in all, as before
  if (steps % stages !== 0) throw new UsageError(`--steps ${steps} must be a positive multiple of --stages ${stages}`);
  const per = steps / stages, selfSteps = Math.floor(per / 2);
  return { stages, selfSteps, transferSteps: per - selfSteps };
}

interface EvalResult {
  retrieval: RetrievalResult;
  /** Retrieval among the first clips of the training split (seen in training, no augmentation). */
  seen: RetrievalResult;
  probe: { video: { accuracy: number; chance: number }; audio: { accuracy: number; chance: number } };
  /** Self-instance retrieval on the test split: two augmented views of each held-out clip, same encoder. */
  views: { video: ReturnType<typeof viewRetrieval>; audio: ReturnType<typeof viewRetrieval> };
}

async function evaluate(video: SsclEncoder, audio: SsclEncoder, test: Awaited<ReturnType<typeof avDigitsOf>>, train: SsclDataset, device: Awaited<ReturnType<typeof getDevice>>): Promise<EvalResult> {
  // Batch statistics (bn 'batch'): S3D's BN momentum is 1e-3, its running stats barely move in a short run.
  const v = await embed(video, test, { modality: 'video', batchSize: 50, bn: 'batch', device });
  const a = await embed(audio, test, { modality: 'audio', batchSize: 50, bn: 'batch', device });
  const seenIdx = Array.from({ length: Math.min(test.length, train.length) }, (_, i) => i);
  const sv = await embed(video, train, { modality: 'video', batchSize: 50, bn: 'batch', device, indices: seenIdx });
  const sa = await embed(audio, train, { modality: 'audio', batchSize: 50, bn: 'batch', device, indices: seenIdx });
  const probe = (e: typeof v, labels: Int32Array | null): { accuracy: number; chance: number } => {
    if (!labels) return { accuracy: NaN, chance: NaN };
    const s = splitByParity(e, labels);
    const p = linearProbe(s.train, s.test, { dim: e.dim, classes: 10 });
    return { accuracy: p.accuracy, chance: p.chance };
  };
  const views = async (enc: SsclEncoder, modality: 'video' | 'audio'): Promise<ReturnType<typeof viewRetrieval>> => {
    const x = await embed(enc, test, { modality, batchSize: 50, bn: 'batch', device, augmentSeed: 1 });
    const y = await embed(enc, test, { modality, batchSize: 50, bn: 'batch', device, augmentSeed: 2 });
    return viewRetrieval(x, y);
  };
  return { retrieval: crossModalRetrieval(v, a), seen: crossModalRetrieval(sv, sa), probe: { video: probe(v, v.labels), audio: probe(a, a.audioLabels) }, views: { video: await views(video, 'video'), audio: await views(audio, 'audio') } };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function report(name: string, r: EvalResult): string {
  const { videoToAudio: va, audioToVideo: av, chance } = r.retrieval;
  return `${name.padEnd(9)} test split (${r.retrieval.n} clips, unseen speakers + digit images): video->audio R@1 ${pct(va.r1)} R@5 ${pct(va.r5)} R@10 ${pct(va.r10)} | audio->video R@1 ${pct(av.r1)} R@5 ${pct(av.r5)} R@10 ${pct(av.r10)} (chance R@1 ${pct(chance.r1)}, R@10 ${pct(chance.r10)})\n` +
    `${''.padEnd(9)} linear probe (digit, 10 classes): video ${pct(r.probe.video.accuracy)}, audio ${pct(r.probe.audio.accuracy)} (majority-class chance ${pct(r.probe.video.chance)})\n` +
    `${''.padEnd(9)} held-out self-instance (2 augmented views of each test clip): audio R@1 ${pct(r.views.audio.r1)} R@10 ${pct(r.views.audio.r10)} median rank ${r.views.audio.medianRank} | video R@1 ${pct(r.views.video.r1)} R@10 ${pct(r.views.video.r10)} median rank ${r.views.video.medianRank} (chance R@10 ${pct(r.views.audio.chance.r10)}, median ${((r.views.audio.n + 1) / 2).toFixed(1)})\n` +
    `${''.padEnd(9)} seen train clips (${r.seen.n}): video->audio R@1 ${pct(r.seen.videoToAudio.r1)} R@10 ${pct(r.seen.videoToAudio.r10)} | audio->video R@1 ${pct(r.seen.audioToVideo.r1)} R@10 ${pct(r.seen.audioToVideo.r10)}`;
}

/** Runs `sscl train`; returns the exit code. */
export async function trainCommand(argv: string[], usage: string): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`usage: sscl train [options]\n\n${TRAIN_USAGE}`);
    return 0;
  }
  let args: Args;
  try {
    args = parse(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`sscl train: ${e.message}\n\n${usage}`);
      return 2;
    }
    throw e;
  }
  const fs = nodeBuiltin<NodeFs>('fs');
  const path = nodeBuiltin<{ join(...p: string[]): string }>('path');
  const log = (line: string, obj: Record<string, unknown>): void => console.log(args.json ? JSON.stringify(obj) : line);
  const t0 = performance.now();
  const device = await getDevice();
  let trainer: Trainer;
  try {
    if (args.resume) {
      trainer = await loadCheckpoint(new Uint8Array(fs.readFileSync(args.resume)), { device });
    } else {
      const { stages, selfSteps, transferSteps } = plan(args);
      trainer = await createTrainer({ device, preset: args.preset ?? 'tiny', batchSize: args.batch, stages, firstTeacher: args.firstTeacher ?? DEFAULT_PLAN.firstTeacher, selfSteps, transferSteps, seed: args.seed ?? 0, dataset: { kind: 'avDigits', noise: args.noise ?? 0 }, lr: args.lr, queueSize: args.queueSize, jointTransfer: args.joint, batchNegatives: args.batchNegatives });
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof SsclError) {
      console.error(`sscl train: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const o = trainer.options;
  const spec = o.dataset as AvDigitsSpec;
  log(`sscl train: preset ${o.preset}, ${trainer.totalSteps} steps (${o.stages} stages x (${o.selfSteps} self-instance + ${o.transferSteps} transfer)), batch ${o.batchSize}, lr ${o.lr}, K ${o.queueSize}, AV-Digits train ${spec.size} clips (noise ${spec.noise}), seed ${o.seed}, from step ${trainer.step}; adapter ${device.adapter?.description ?? '?'}`,
    { type: 'start', options: o, step: trainer.step, adapter: device.adapter?.description ?? null });
  const test = await avDigitsOf(spec, o.preset, 'test', args.evalSize, 16);
  let baseline: EvalResult | null = null;
  if (args.baseline && !args.resume) {
    baseline = await evaluate(trainer.encoder('video'), trainer.encoder('audio'), test, trainer.dataset, device);
    log(report('untrained', baseline), { type: 'eval', which: 'untrained', ...baseline });
  }
  for await (const e of trainer.run()) {
    log(`[stage ${e.stage} ${e.phase.padEnd(13)} teacher ${e.teacher}] step ${String(e.step + 1).padStart(4)}/${trainer.totalSteps} loss ${e.loss.toFixed(4)} lr ${e.lr.toFixed(4)} ${e.ms.toFixed(0)} ms (data ${e.dataMs.toFixed(0)} ms)`, { type: 'step', ...e });
  }
  fs.mkdirSync(args.out, { recursive: true });
  const ckPath = path.join(args.out, 'checkpoint.safetensors');
  fs.writeFileSync(ckPath, await trainer.saveCheckpoint());
  const trained = await evaluate(trainer.encoder('video'), trainer.encoder('audio'), test, trainer.dataset, device);
  log(report('trained', trained), { type: 'eval', which: 'trained', ...trained });
  const seconds = (performance.now() - t0) / 1000;
  const result = { options: o, steps: trainer.step, testClips: test.length, untrained: baseline, trained, seconds, checkpoint: ckPath };
  fs.writeFileSync(path.join(args.out, 'result.json'), JSON.stringify(result, null, 2));
  log(`checkpoint: ${ckPath} (resume with: sscl train --resume ${ckPath}); ${seconds.toFixed(0)} s in all`, { type: 'done', checkpoint: ckPath, seconds });
  trainer.dispose();
  return 0;
}
