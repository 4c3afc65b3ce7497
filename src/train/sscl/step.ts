// One SSCL training step, split in two so a diverged step changes nothing:
//   record(): forward of the query and key encoders, the loss, backward (one submission with the loss
//             read-back; BN running stats are snapshotted first so a bad batch can be undone);
//   apply():  the SGD step, the momentum-encoder update, enqueue of the keys, memory-bank update.
// The order within a step equals MoCo's (momentum update before the next step's keys, enqueue after the
// loss): see test/fixtures/gen/sscl_steps.py, which implements the same two phases in PyTorch.
//
// Self-instance (paper Eq. 3, teacher T): q = f_T(x_1), k = f_T^key(x_2) (another temporal jitter +
//   augmentation of the clip), negatives = T's queue.
// Transfer (paper Eq. 5, teacher T -> student S): q = f_S(x_S), positive = f_T^key(x_T) of the same clip,
//   negatives = T's queue or T's memory bank; joint: also q = f_T(x_T) vs f_S^key(x_S) and S's queue / bank.
import { infoNCE } from '../contrastive/infonce.ts';
import { momentumUpdate } from '../contrastive/momentum.ts';
import type { MemoryBank, Queue } from '../contrastive/memory.ts';
import type { BankSample } from '../contrastive/memory.ts';
import { add } from '../../ops/elementwise/elementwise.ts';
import { noGrad, tidy } from '../../tensor/tape.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { SGD } from '../../optim/sgd.ts';
import type { Modality, Phase, ResolvedOptions, SsclBatch, SsclEncoder } from './options.ts';

export interface EncoderPair {
  query: SsclEncoder;
  key: SsclEncoder;
}

/** Everything a step reads and updates. */
export interface SsclState {
  models: Record<Modality, EncoderPair>;
  queues: Record<Modality, Queue>;
  banks: Record<Modality, MemoryBank> | null;
  opt: SGD;
}

export interface StepPlan {
  phase: Phase;
  teacher: Modality;
  student: Modality;
  /** Global step (seeds the bank draws). */
  step: number;
}

/** A recorded step: the loss (scalar Tensor) and what to apply once it is known to be finite. */
export interface RecordedStep {
  loss: Tensor;
  apply(): void;
  discard(): void;
}

const input = (b: SsclBatch, m: Modality): Tensor => (m === 'video' ? b.video : b.audio);

function buffersOf(m: SsclEncoder): Tensor[] {
  return typeof m.buffers === 'function' ? m.buffers() : [];
}

/** Copies of the running stats of `models` (recorded, in stream order before the forward). */
function snapshot(models: SsclEncoder[]): { restore(): void; dispose(): void } {
  const pairs: Array<[Tensor, Tensor]> = [];
  for (const m of models) {
    for (const b of buffersOf(m)) {
      if (b.size === 0) continue;
      const c = new Tensor(b.ctx, b.shape);
      b.ctx.copy(b.buffer, c.buffer, b.size * 4);
      pairs.push([b, c]);
    }
  }
  return {
    restore: () => pairs.forEach(([b, c]) => b.ctx.copy(c.buffer, b.buffer, b.size * 4)),
    dispose: () => pairs.forEach(([, c]) => c.dispose()),
  };
}

function negativesOf(st: SsclState, m: Modality, plan: StepPlan, indices: number[], o: ResolvedOptions, draws: BankSample[], salt: number): Tensor | BankSample {
  if (plan.phase === 'transfer' && o.negatives === 'bank' && st.banks) {
    const s = st.banks[m].sample(indices, o.queueSize, { seed: o.seed, stream: 2 * plan.step + salt });
    draws.push(s);
    return s;
  }
  return st.queues[m].keys;
}

/**
 * Negatives of a step with `batchNegatives`: the other clips' keys of this very batch, then
 * the queue. In-batch keys come from the same key encoder and the same batch statistics as the positive,
 * so the loss cannot fall by telling fresh keys from stale queue rows; it has to tell the clips apart. Row
 * b's own key is among them too (a constant ln 2 floor, the gradient still pushes the other clips away).
 */
function withBatchKeys(k: Tensor, neg: Tensor | BankSample): Tensor | BankSample {
  if (!(neg instanceof Tensor)) return neg;
  const [B, D] = k.shape, K = neg.shape[0];
  const all = new Tensor(k.ctx, [B + K, D]);
  k.ctx.copy(k.buffer, all.buffer, B * D * 4);
  k.ctx.copy(neg.buffer, all.buffer, K * D * 4, 0, B * D * 4);
  return all;
}

/**
 * Records one step's forward + loss + backward. `views[0]` is the batch both modalities of a transfer
 * step read; a self-instance step takes its key view from `views[1]`.
 */
export function recordStep(st: SsclState, plan: StepPlan, views: SsclBatch[], indices: number[], o: ResolvedOptions): RecordedStep {
  const T = plan.teacher, S = plan.student;
  const mT = st.models[T], mS = st.models[S];
  const joint = plan.phase === 'transfer' && o.jointTransfer;
  const used = plan.phase === 'self-instance' ? [mT.query, mT.key] : joint ? [mT.query, mT.key, mS.query, mS.key] : [mS.query, mT.key];
  const snap = snapshot(used);
  const draws: BankSample[] = [];
  const opts = { tau: o.tau };
  const negs = (k: Tensor, n: Tensor | BankSample): Tensor | BankSample => (o.batchNegatives ? withBatchKeys(k, n) : n);
  let kept: { loss: Tensor; keys: Array<[Modality, Tensor]> };
  try {
    kept = tidy(() => {
      st.opt.zeroGrad();
      const keys: Array<[Modality, Tensor]> = [];
      let loss: Tensor;
      if (plan.phase === 'self-instance') {
        const q = mT.query.forward(input(views[0], T), { head: true });
        const k = noGrad(() => mT.key.forward(input(views[1], T), { head: true }));
        loss = infoNCE(q, k, negs(k, negativesOf(st, T, plan, indices, o, draws, 0)), opts);
        keys.push([T, k]);
      } else {
        const kT = noGrad(() => mT.key.forward(input(views[0], T), { head: true }));
        const qS = mS.query.forward(input(views[0], S), { head: true });
        loss = infoNCE(qS, kT, negs(kT, negativesOf(st, T, plan, indices, o, draws, 0)), opts);
        keys.push([T, kT]);
        if (joint) {
          const kS = noGrad(() => mS.key.forward(input(views[0], S), { head: true }));
          const qT = mT.query.forward(input(views[0], T), { head: true });
          loss = add(loss, infoNCE(qT, kS, negs(kS, negativesOf(st, S, plan, indices, o, draws, 1)), opts));
          keys.push([S, kS]);
        }
      }
      loss.backward();
      return { loss, keys };
    });
  } catch (e) {
    snap.dispose();
    draws.forEach((d) => d.dispose());
    throw e;
  }
  draws.forEach((d) => d.dispose());
  const trained: Modality[] = plan.phase === 'self-instance' ? [T] : joint ? [S, T] : [S];
  const release = (): void => {
    snap.dispose();
    kept.keys.forEach(([, k]) => k.dispose());
  };
  return {
    loss: kept.loss,
    apply() {
      st.opt.step(); // one submission: every parameter's update
      st.opt.zeroGrad();
      for (const m of trained) momentumUpdate(st.models[m].key, st.models[m].query, o.keyMomentum);
      for (const [m, k] of kept.keys) {
        st.queues[m].enqueue(k);
        st.banks?.[m].update(indices, k);
      }
      release();
    },
    discard() {
      st.opt.zeroGrad();
      snap.restore();
      release();
    },
  };
}
