// Plain float64 references for the contrastive core (issue 7; SSCL paper Eq. 2, 3, 5). The WebGPU kernels
// (fused InfoNCE, queue ring buffer, momentum update, memory bank) are tested against these, and these are
// tested against PyTorch (test/fixtures/gen/contrastive_moco.py) and central differences.
// Layouts: q, kPos (B, D); shared negatives (K, D) (the MoCo queue, row j = key j) or per-sample negatives
// (B, K, D) (memory-bank draws); logits (B, K + 1) with the positive at column 0.
import { InvalidArgumentError } from '../../errors.ts';
import { counterIndex, normalArray64, streamKey, uniformArray64 } from '../../models/rng.ts';

/** Validates sizes; returns the number of negative rows (K shared, or B*K per-sample). */
function negativeRows(q: ArrayLike<number>, kPos: ArrayLike<number>, neg: ArrayLike<number>, B: number, D: number): number {
  if (!Number.isInteger(B) || B < 1 || !Number.isInteger(D) || D < 1) throw new InvalidArgumentError(`infoNCE: B and D must be positive integers, got B=${B} D=${D}`);
  if (q.length !== B * D) throw new InvalidArgumentError(`infoNCE: q has ${q.length} values, expected B*D = ${B}*${D}`);
  if (kPos.length !== B * D) throw new InvalidArgumentError(`infoNCE: kPos has ${kPos.length} values, expected B*D = ${B}*${D}`);
  if (neg.length % D !== 0 || neg.length === 0) throw new InvalidArgumentError(`infoNCE: negatives have ${neg.length} values, not a positive multiple of D = ${D}`);
  return neg.length / D;
}

/**
 * logits[b, 0] = q_b . k_b / tau, logits[b, 1 + j] = q_b . n_j / tau (n_j = negatives row j, or row (b, j)
 * when `perSample`). (B, K + 1), float64.
 */
export function infoNCELogits(q: ArrayLike<number>, kPos: ArrayLike<number>, negatives: ArrayLike<number>, o: { B: number; D: number; tau: number; perSample?: boolean }): { logits: Float64Array; K: number } {
  const rows = negativeRows(q, kPos, negatives, o.B, o.D);
  if (!(o.tau > 0) || !Number.isFinite(o.tau)) throw new InvalidArgumentError(`infoNCE: tau must be a positive finite number, got ${o.tau}`);
  // (B, K, D) and (B*K, D) have the same length: per-sample is the caller's explicit choice.
  let K = rows;
  if (o.perSample) {
    if (rows % o.B) throw new InvalidArgumentError(`infoNCE: per-sample negatives have ${rows} rows, not a multiple of B = ${o.B}`);
    K = rows / o.B;
  }
  const { B, D } = o;
  const L = new Float64Array(B * (K + 1));
  for (let b = 0; b < B; b++) {
    let pos = 0;
    for (let d = 0; d < D; d++) pos += q[b * D + d] * kPos[b * D + d];
    L[b * (K + 1)] = pos / o.tau;
    const base = o.perSample ? b * K : 0;
    for (let j = 0; j < K; j++) {
      let s2 = 0;
      const r = (base + j) * D;
      for (let d = 0; d < D; d++) s2 += q[b * D + d] * negatives[r + d];
      L[b * (K + 1) + 1 + j] = s2 / o.tau;
    }
  }
  return { logits: L, K };
}

/** Mean over rows of the (K+1)-way cross-entropy with target 0: mean_b(logsumexp(l_b) - l_b0), stable. */
export function infoNCELossFromLogits(logits: ArrayLike<number>, B: number): { loss: number; lse: Float64Array } {
  const C = logits.length / B;
  const lse = new Float64Array(B);
  let loss = 0;
  for (let b = 0; b < B; b++) {
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, logits[b * C + j]);
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(logits[b * C + j] - m);
    lse[b] = m + Math.log(s);
    loss += lse[b] - logits[b * C];
  }
  return { loss: loss / B, lse };
}

export interface InfoNCEResult {
  loss: number;
  logits: Float64Array;
  /** dLoss/dq (B, D). */
  dQ: Float64Array;
  /** dLoss/dkPos (B, D): used when the positive key is trained (cross-modal transfer). */
  dKPos: Float64Array;
  /** dLoss/dnegatives, same shape as the negatives. */
  dNeg: Float64Array;
}

/**
 * InfoNCE forward and backward (float64). With p = softmax(logits_b): dlogits = (p - e_0) / B, and
 * dq_b = (dl_b0 k_b + sum_j dl_bj n_j) / tau, dk_b = dl_b0 q_b / tau, dn_j = sum_b dl_bj q_b / tau.
 *
 * @example
 * ```ts
 * const r = infoNCEReference(q, k, queue, { B: 128, D: 128, tau: 0.07 });   // queue (16384, 128)
 * r.loss;   // scalar; r.dQ (128*128)
 * ```
 */
export function infoNCEReference(q: ArrayLike<number>, kPos: ArrayLike<number>, negatives: ArrayLike<number>, o: { B: number; D: number; tau: number; perSample?: boolean }): InfoNCEResult {
  const { logits, K } = infoNCELogits(q, kPos, negatives, o);
  const { B, D, tau } = o;
  const { loss, lse } = infoNCELossFromLogits(logits, B);
  // Finite inputs give a finite loss (the logsumexp is max-shifted), so a non-finite one means bad input.
  if (!Number.isFinite(loss)) throw new InvalidArgumentError(`infoNCE: the loss is ${loss}; q, kPos or the negatives contain NaN or Infinity`);
  const dQ = new Float64Array(B * D), dKPos = new Float64Array(B * D), dNeg = new Float64Array(negatives.length);
  for (let b = 0; b < B; b++) {
    const row = b * (K + 1);
    const g0 = (Math.exp(logits[row] - lse[b]) - 1) / B / tau;
    for (let d = 0; d < D; d++) {
      dQ[b * D + d] += g0 * kPos[b * D + d];
      dKPos[b * D + d] = g0 * q[b * D + d];
    }
    const base = o.perSample ? b * K : 0;
    for (let j = 0; j < K; j++) {
      const g = Math.exp(logits[row + 1 + j] - lse[b]) / B / tau;
      const r = (base + j) * D;
      for (let d = 0; d < D; d++) {
        dQ[b * D + d] += g * negatives[r + d];
        dNeg[r + d] += g * q[b * D + d];
      }
    }
  }
  return { loss, logits, dQ, dKPos, dNeg };
}

/** Rows of a (N, D) matrix divided by their L2 norm (max(norm, 1e-12), as F.normalize). In place. */
export function l2NormalizeRows(x: Float64Array, D: number): Float64Array {
  for (let r = 0; r < x.length / D; r++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += x[r * D + d] ** 2;
    const n = Math.max(Math.sqrt(s), 1e-12);
    for (let d = 0; d < D; d++) x[r * D + d] /= n;
  }
  return x;
}

/**
 * The MoCo dictionary queue: a ring buffer of K keys (K, D) and a write pointer. Initialised as MoCo does
 * (randn then L2-normalised per key; our normals come from the counter generator: value k*D + d of stream
 * `stream` under `seed`). enqueue writes key i of the batch at row (ptr + i) mod K and advances ptr by B mod
 * K, so K need not be a multiple of B (MoCo asserts it is; where it is, the result is the same).
 */
export class QueueReference {
  readonly size: number;
  readonly dim: number;
  readonly keys: Float64Array;
  ptr = 0;
  constructor(o: { size: number; dim: number; seed: number; stream?: number }) {
    if (!Number.isInteger(o.size) || o.size < 1 || !Number.isInteger(o.dim) || o.dim < 1) throw new InvalidArgumentError(`queue: size and dim must be positive integers, got ${o.size}, ${o.dim}`);
    this.size = o.size;
    this.dim = o.dim;
    this.keys = l2NormalizeRows(normalArray64(o.size * o.dim, { seed: o.seed, stream: o.stream ?? 0 }), o.dim);
  }
  /** keys: (B, D). */
  enqueue(keys: ArrayLike<number>): void {
    if (keys.length % this.dim !== 0) throw new InvalidArgumentError(`queue.enqueue: ${keys.length} values is not a multiple of dim ${this.dim}`);
    const B = keys.length / this.dim;
    for (let i = 0; i < B; i++) {
      const row = (this.ptr + i) % this.size;
      for (let d = 0; d < this.dim; d++) this.keys[row * this.dim + d] = keys[i * this.dim + d];
    }
    this.ptr = (this.ptr + B) % this.size;
  }
}

/** MoCo's key-encoder update, per tensor: k = m k + (1 - m) q (float64). Buffers are copied (see copyBuffers). */
export function momentumUpdateReference(key: Float64Array, query: ArrayLike<number>, m: number): void {
  if (!(m >= 0 && m <= 1)) throw new InvalidArgumentError(`momentum must be in [0, 1], got ${m}`);
  if (key.length !== query.length) throw new InvalidArgumentError(`momentum update: key tensor has ${key.length} values, query ${query.length}`);
  for (let i = 0; i < key.length; i++) key[i] = m * key[i] + (1 - m) * query[i];
}

/**
 * The memory bank of lemniscate (Wu et al. 2018) / CMC (Tian et al. 2019): N x D features, initialised
 * uniform in [-stdv, stdv], stdv = 1 / sqrt(D / 3) (their `torch.rand(N, D).mul_(2*stdv).add_(-stdv)`; ours
 * from the counter generator), updated for the batch's samples as v = m v + (1 - m) f, then v / |v|.
 */
export class MemoryBankReference {
  readonly size: number;
  readonly dim: number;
  readonly momentum: number;
  readonly features: Float64Array;
  constructor(o: { size: number; dim: number; momentum: number; seed: number; stream?: number }) {
    if (!Number.isInteger(o.size) || o.size < 2 || !Number.isInteger(o.dim) || o.dim < 1) throw new InvalidArgumentError(`memory bank: size must be an integer >= 2 and dim >= 1, got ${o.size}, ${o.dim}`);
    if (!(o.momentum >= 0 && o.momentum <= 1)) throw new InvalidArgumentError(`memory bank: momentum must be in [0, 1], got ${o.momentum}`);
    this.size = o.size;
    this.dim = o.dim;
    this.momentum = o.momentum;
    const stdv = 1 / Math.sqrt(o.dim / 3);
    this.features = uniformArray64(o.size * o.dim, { seed: o.seed, stream: o.stream ?? 0, scale: stdv });
  }

  private checkIndices(indices: ArrayLike<number>): void {
    const seen = new Set<number>();
    for (let i = 0; i < indices.length; i++) {
      const y = indices[i];
      if (!Number.isInteger(y) || y < 0 || y >= this.size) throw new InvalidArgumentError(`memory bank: index ${y} at position ${i} is outside [0, ${this.size})`);
      if (seen.has(y)) throw new InvalidArgumentError(`memory bank: index ${y} appears twice in one batch; the update would be ambiguous (deduplicate the batch)`);
      seen.add(y);
    }
  }

  /** feats (B, D) for samples `indices` (distinct). */
  update(indices: ArrayLike<number>, feats: ArrayLike<number>): void {
    this.checkIndices(indices);
    const D = this.dim, m = this.momentum;
    if (feats.length !== indices.length * D) throw new InvalidArgumentError(`memory bank update: ${feats.length} feature values for ${indices.length} indices x dim ${D}`);
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i] * D;
      let s = 0;
      for (let d = 0; d < D; d++) {
        const v = m * this.features[r + d] + (1 - m) * feats[i * D + d];
        this.features[r + d] = v;
        s += v * v;
      }
      const n = Math.sqrt(s);
      for (let d = 0; d < D; d++) this.features[r + d] /= n;
    }
  }

  /**
   * K negative indices per sample, uniform over [0, N) without the sample itself: draw j uniform in
   * [0, N - 1) from counter (seed, stream) at element b*K + k, and map j >= y to j + 1. (B, K) Int32.
   */
  sampleIndices(indices: ArrayLike<number>, K: number, o: { seed: number; stream?: number }): Int32Array {
    this.checkIndices(indices);
    if (!Number.isInteger(K) || K < 1) throw new InvalidArgumentError(`memory bank sample: K must be a positive integer, got ${K}`);
    if (this.size - 1 >= 2 ** 21) throw new InvalidArgumentError(`memory bank sample: N = ${this.size} exceeds 2^21 + 1, the exact range of the sampler`);
    const key = streamKey(o.seed, o.stream ?? 0);
    const B = indices.length;
    const out = new Int32Array(B * K);
    for (let b = 0; b < B; b++)
      for (let k = 0; k < K; k++) {
        const j = counterIndex(key, b * K + k, this.size - 1);
        out[b * K + k] = j >= indices[b] ? j + 1 : j;
      }
    return out;
  }

  /** Rows of the bank for (B, K) indices: (B, K, D). */
  gather(idx: ArrayLike<number>): Float64Array {
    const D = this.dim;
    const out = new Float64Array(idx.length * D);
    for (let i = 0; i < idx.length; i++) out.set(this.features.subarray(idx[i] * D, idx[i] * D + D), i * D);
    return out;
  }
}

/**
 * Cross-modal InfoNCE with in-batch negatives (the issue-5 overfit loss; paper Eq. 2 with the batch as the
 * dictionary): 0.5 * (InfoNCE(v_i; a_i; a_j, j != i) + InfoNCE(a_i; v_i; v_j, j != i)), negatives in
 * increasing j. v, a: (B, D). Returns the loss and dL/dv, dL/da (both sides are trained).
 */
export function crossModalInBatchReference(v: ArrayLike<number>, a: ArrayLike<number>, o: { B: number; D: number; tau: number }): { loss: number; dV: Float64Array; dA: Float64Array } {
  const { B, D } = o;
  if (B < 2) throw new InvalidArgumentError(`cross-modal in-batch InfoNCE needs B >= 2 (the negatives are the other items), got ${B}`);
  const dV = new Float64Array(B * D), dA = new Float64Array(B * D);
  let loss = 0;
  for (const [q, k, dq, dk] of [[v, a, dV, dA], [a, v, dA, dV]] as const) {
    // negatives (B, B-1, D): row (i, t) = k_j for the t-th j != i.
    const neg = new Float64Array(B * (B - 1) * D);
    const src: number[] = [];
    for (let i = 0; i < B; i++) for (let j = 0; j < B; j++) if (j !== i) src.push(j);
    src.forEach((j, r) => {
      for (let d = 0; d < D; d++) neg[r * D + d] = k[j * D + d];
    });
    const r = infoNCEReference(q, k, neg, { ...o, perSample: true });
    loss += 0.5 * r.loss;
    for (let x = 0; x < B * D; x++) (dq[x] += 0.5 * r.dQ[x]), (dk[x] += 0.5 * r.dKPos[x]);
    src.forEach((j, row) => {
      for (let d = 0; d < D; d++) dk[j * D + d] += 0.5 * r.dNeg[row * D + d];
    });
  }
  return { loss, dV, dA };
}
