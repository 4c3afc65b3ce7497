// contrastive.infoNCE as an engine op: the fused kernel (./infonce_gpu.ts, ./infonce.wgsl.ts) recorded into
// the engine's command stream (GpuContext.record), so a training step stays one submit. The kernel yields
// loss, dq and dk in one go; since the loss is a scalar, the op's backward only scales them by dOut.
// Negatives are detached: a (K, D) Tensor (the MoCo queue's keys) or a memory-bank draw (read in place).
import { InvalidArgumentError, ShapeError } from '../../errors.ts';
import { fmt } from '../../tensor/shape.ts';
import { opOutput, Tensor } from '../../tensor/tensor.ts';
import { accumulateGrad } from '../../ops/launch.ts';
import { add } from '../../ops/elementwise/elementwise.ts';
import { internals } from '../../tensor/tape.ts';
import { QB, TILE } from './infonce.wgsl.ts';
import type { GpuContext } from '../../gpu/context.ts';
import type { GuardBinding } from '../../gpu/guard.ts';
import { bankGroups, encodeInfoNCE, encodeInfoNCEBank, infoNCEGuardError, infoNCEScratchSizes, type InfoNCEBuffers } from './infonce_gpu.ts';
import type { BankSample } from './memory.ts';

export interface InfoNCEOptions {
  /** Temperature (paper and MoCo: 0.07). */
  tau?: number;
}

/** Negatives of infoNCE: shared (K, D) rows (a Tensor, e.g. `queue.keys`) or per-sample bank draws. */
export type Negatives = Tensor | BankSample;

// One sticky guard word per context for every infoNCE call (reported at the next read, see src/gpu/guard.ts).
const guards = new WeakMap<GpuContext, GuardBinding>();
function infoNCEGuard(ctx: GpuContext): GuardBinding {
  let g = guards.get(ctx);
  if (!g) guards.set(ctx, (g = ctx.guards.acquire({ decode: (bits) => infoNCEGuardError(bits) })));
  return g;
}

function isBankSample(n: Negatives): n is BankSample {
  return !(n instanceof Tensor) && typeof n === 'object' && n !== null && 'sel' in n;
}

/**
 * InfoNCE with the positive at index 0 (paper Eq. 2/3/5, MoCo's form): with logits
 * `l[b] = [q_b . kPos_b, q_b . n_1, ..., q_b . n_K] / tau`, the loss is `mean_b (logsumexp(l[b]) - l[b][0])`.
 * The (B, K+1) logits are never stored (one fused sweep over the negatives). Backward-able: gradients
 * flow to `q` and to `kPos` when it requires grad; the negatives are treated as constants.
 *
 * @param q (B, D) queries (L2-normalised features)
 * @param kPos (B, D) positive keys
 * @param negatives (K, D) shared negatives (`queue.keys`), or `bank.sample(indices, K, { seed })`
 * @returns a scalar (shape []) Tensor
 *
 * @example
 * ```ts
 * const queue = contrastive.createQueue(device, { size: 16384, dim: 128, seed: 1 });
 * const loss = contrastive.infoNCE(q, k, queue.keys, { tau: 0.07 }); // Tensor []
 * loss.backward();                                                  // q.grad: (B, 128)
 * await loss.item(); // ~ ln(16385) = 9.70 for random unit vectors
 * ```
 * @throws ShapeError on mismatched shapes; InvalidArgumentError for tau <= 0 or a D too large for
 *   the device's workgroup memory. NaN/Inf in q, kPos or the negatives is detected on the GPU (no extra
 *   readback): that call's gradients are zeroed, its loss is NaN, and the next read on the device
 *   (`item()`, `toArray()`, `ctx.checkGuards()`) throws NonFiniteError naming the input.
 */
export function infoNCE(q: Tensor, kPos: Tensor, negatives: Negatives, opts: InfoNCEOptions = {}): Tensor {
  const tau = opts.tau ?? 0.07;
  if (!(tau > 0) || !Number.isFinite(tau)) throw new InvalidArgumentError(`infoNCE: tau must be positive and finite, got ${tau}`);
  if (!(q instanceof Tensor) || !(kPos instanceof Tensor)) throw new InvalidArgumentError('infoNCE: q and kPos must be Tensors (B, D)');
  if (q.rank !== 2 || kPos.rank !== 2 || q.shape[0] !== kPos.shape[0] || q.shape[1] !== kPos.shape[1]) {
    throw new ShapeError(`infoNCE: q and kPos must both be (B, D), got ${fmt(q.shape)} and ${fmt(kPos.shape)}`);
  }
  const [B, D] = q.shape;
  if (B < 1 || D < 1) throw new ShapeError(`infoNCE: empty input ${fmt(q.shape)}`);
  let K: number;
  const bank = isBankSample(negatives) ? negatives : null;
  if (bank) {
    bank.checkLive();
    if (bank.dim !== D || bank.B !== B) throw new ShapeError(`infoNCE: the bank sample is for B = ${bank.B}, D = ${bank.dim}, but q is ${fmt(q.shape)}`);
    K = bank.K;
  } else {
    const n = negatives as Tensor;
    if (!(n instanceof Tensor) || n.rank !== 2 || n.shape[1] !== D || n.shape[0] < 1) throw new ShapeError(`infoNCE: negatives must be a (K, ${D}) Tensor or a bank sample, got ${n instanceof Tensor ? fmt(n.shape) : typeof n}`);
    K = n.shape[0];
  }
  const ctx = q.ctx;
  const lim = ctx.gpu.limits;
  if (QB * D * 4 + 2 * QB * TILE * 4 > lim.maxComputeWorkgroupStorageSize) throw new InvalidArgumentError(`infoNCE: D = ${D} needs more workgroup memory than this device's ${lim.maxComputeWorkgroupStorageSize} bytes`);
  const bg = bank ? bankGroups(bank.bank.buffers.length, lim.maxStorageBuffersPerShaderStage) : { slots: 1, groups: 1 };
  const sz = infoNCEScratchSizes(B, K, D, bg.groups);
  const dq = new Tensor(ctx, [B, D]);
  const dk = new Tensor(ctx, [B, D]);
  const rows = new Tensor(ctx, [3 * B + 1]); // per-row terms, lse, NaN/Inf bits; the loss
  const partStats = new Tensor(ctx, [sz.partStats / 4]);
  const partDq = new Tensor(ctx, [sz.partDq / 4]);
  const out = opOutput(ctx, [], [q, kPos], () => ({
    op: 'infoNCE',
    backward(g, [dQ, dK]) {
      // The loss is a scalar: d(loss * g) = g * (dq, dk) computed in the forward sweep.
      if (dQ) accumulateGrad('infoNCE.dq', dQ, [B, D], [{ name: 'a', t: dq }, { name: 'g', t: g, shape: [1, 1] }], 'a * g');
      if (dK) accumulateGrad('infoNCE.dk', dK, [B, D], [{ name: 'a', t: dk }, { name: 'g', t: g, shape: [1, 1] }], 'a * g');
    },
    release: () => {
      dq.dispose();
      dk.dispose();
    },
  }));
  const bufs: InfoNCEBuffers = { q: q.buffer, kPos: kPos.buffer, negatives: bank ? q.buffer : (negatives as Tensor).buffer, dq: dq.buffer, dk: dk.buffer, rows: rows.buffer, partStats: partStats.buffer, partDq: partDq.buffer, guard: infoNCEGuard(ctx) };
  const o = { B, K, D, tau, cachedUniforms: true }; // shared uniform buffer: not destroyed here
  ctx.record((enc) => (bank ? encodeInfoNCEBank(ctx.gpu, enc, bufs, { sel: bank.sel, bank: bank.bank.buffers, rowsPerBuffer: bank.bank.rowsPerBuffer, slots: bg.slots }, o) : encodeInfoNCE(ctx.gpu, enc, bufs, o)));
  ctx.copy(rows.buffer, out.buffer, 4, 4 * 3 * B);
  for (const t of [rows, partStats, partDq]) t.dispose(); // pooled: reuse is ordered after this batch's reads
  if (!out.node) {
    dq.dispose();
    dk.dispose();
  }
  return out;
}

export interface CrossModalLossOptions extends InfoNCEOptions {
  /** Negatives for the video queries: audio features (audio queue keys or an audio-bank draw). */
  audioNegatives: Negatives;
  /** Negatives for the audio queries: video features. */
  videoNegatives: Negatives;
}

/**
 * Both directions of the cross-modal loss (paper Eq. 5): `infoNCE(video, audio, audioNegatives) +
 * infoNCE(audio, video, videoNegatives)` — the video query against audio negatives with its own clip's audio
 * as the positive, and vice versa. Gradients reach both `video` and `audio` through both terms.
 *
 * @param video (B, D) video features; @param audio (B, D) audio features of the same clips
 * @example
 * ```ts
 * const loss = contrastive.crossModalLoss(v, a, { audioNegatives: audioBank.sample(idx, 16384, { seed: step }),
 *   videoNegatives: videoBank.sample(idx, 16384, { seed: step + 1 }), tau: 0.07 });
 * loss.backward();
 * ```
 */
export function crossModalLoss(video: Tensor, audio: Tensor, opts: CrossModalLossOptions): Tensor {
  const va = infoNCE(video, audio, opts.audioNegatives, opts);
  const av = infoNCE(audio, video, opts.videoNegatives, opts);
  const out = add(va, av);
  internals(out, [va, av]);
  return out;
}

/**
 * The uni-modal self-instance loss (paper Eq. 3): the query's positive is a transformed view of the same
 * clip, the negatives other clips of the same modality. It is infoNCE with `positive` = the view's feature
 * (usually from the momentum encoder, detached, with `negatives` its queue).
 *
 * @example
 * ```ts
 * const loss = contrastive.uniModalLoss(encQ(x), noGrad(() => encK(xAug)), queue.keys, { tau: 0.07 });
 * ```
 */
export function uniModalLoss(query: Tensor, positive: Tensor, negatives: Negatives, opts: InfoNCEOptions = {}): Tensor {
  return infoNCE(query, positive, negatives, opts);
}
