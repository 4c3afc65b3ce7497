// Evaluation of learned encoders: embeddings of a dataset split, cross-modal retrieval (recall@1/5/10 in
// both directions) and a linear probe (multinomial logistic regression on frozen embeddings). Retrieval and
// the probe run in float64 on the CPU: they are small (a test split) and this way they are their own
// reference; test/fixtures/gen/sscl_steps.py checks them against PyTorch float64.
import { InvalidArgumentError } from '../../errors.ts';
import { noGrad } from '../../tensor/tape.ts';
import { contextOf, type DeviceLike, type Tensor } from '../../tensor/tensor.ts';
import { getDevice } from '../../gpu/device.ts';
import type { Modality, SsclDataset, SsclEncoder } from './options.ts';

export interface EmbedOptions {
  /** Which input of the batches the model reads. */
  modality: Modality;
  /** Items to embed (default: all, in order). */
  indices?: number[];
  /** Clips per forward (default 32). */
  batchSize?: number;
  device?: DeviceLike;
  /**
   * Batch norm: 'running' (eval mode, the running statistics; default) or 'batch' (train-mode batch
   * statistics of each evaluation batch; the model's state, running stats included, is restored afterwards). S3D's BN momentum is 1e-3
   * (torchvision), so after a short run its running statistics are still mostly their initial values.
   */
  bn?: 'running' | 'batch';
  /**
   * Embed an augmented view (the dataset's training augmentation, drawn with this seed) instead of the clean
   * clips; two seeds give two views for `viewRetrieval`. Default: no augmentation.
   */
  augmentSeed?: number;
}

export interface Embeddings {
  /** (n, dim) row-major. */
  embeddings: Float32Array;
  n: number;
  dim: number;
  /** AV-Digits: the digit on screen (test split); null when the dataset has no labels. */
  labels: Int32Array | null;
  /** AV-Digits: the spoken digit (test split). */
  audioLabels: Int32Array | null;
}

type Labelled = { video: Tensor; audio: Tensor; labels?: Int32Array; audioLabels?: Int32Array; dispose(): void };

/**
 * Embeds (head output, L2-normalised) every item of `dataset` with `model`, without augmentation.
 *
 * @example
 * ```ts
 * const test = await datasets.avDigits({ split: 'test', size: 200, preset: 'tiny' });
 * const v = await sscl.embed(trainer.encoder('video'), test, { modality: 'video' });   // v.embeddings (200, 128)
 * ```
 */
export async function embed(model: SsclEncoder, dataset: SsclDataset, opts: EmbedOptions): Promise<Embeddings> {
  if (!model || typeof model.forward !== 'function') throw new InvalidArgumentError('embed: model must have forward(x, { head })');
  if (opts?.modality !== 'video' && opts?.modality !== 'audio') throw new InvalidArgumentError(`embed: modality must be 'video' or 'audio', got ${JSON.stringify(opts?.modality)}`);
  const idx = opts.indices ?? Array.from({ length: dataset.length }, (_, i) => i);
  const B = opts.batchSize ?? 32;
  if (!Number.isInteger(B) || B < 2) throw new InvalidArgumentError(`embed: batchSize must be an integer >= 2, got ${B}`);
  if (idx.length < 2) throw new InvalidArgumentError('embed: need at least 2 items');
  const bn = opts.bn ?? 'running';
  const aug = opts.augmentSeed;
  if (aug !== undefined && !(Number.isSafeInteger(aug) && aug >= 0)) throw new InvalidArgumentError(`embed: augmentSeed must be a non-negative safe integer, got ${aug}`);
  if (bn !== 'running' && bn !== 'batch') throw new InvalidArgumentError(`embed: bn must be 'running' or 'batch', got ${JSON.stringify(bn)}`);
  const device = opts.device ?? (await getDevice());
  const wasTraining = (model as { training?: boolean }).training ?? true;
  // 'batch' mode runs train-mode forwards, which move BN running stats (and counters): keep the whole state
  // (saveState, when the model has it, also covers EncoderModel's host-side num_batches_tracked)
  const fullState = bn === 'batch' && typeof model.saveState === 'function' && typeof model.loadState === 'function' ? await model.saveState() : null;
  const saved = bn === 'batch' && !fullState ? await Promise.all((model.buffers?.() ?? []).map((b) => b.toArray())) : [];
  if (bn === 'running') model.eval?.();
  else model.train?.(true);
  // chunks of B; a last chunk of 1 joins the previous one (train-mode BN needs 2)
  const chunks: number[][] = [];
  for (let s = 0; s < idx.length; s += B) chunks.push(idx.slice(s, s + B));
  if (chunks.length > 1 && chunks[chunks.length - 1].length < 2) chunks[chunks.length - 2].push(...chunks.pop()!);
  let out: Float32Array | null = null, dim = 0, at = 0;
  const labels: number[] = [], audioLabels: number[] = [];
  try {
    for (const c of chunks) {
      const b = (await dataset.batch(c, { augment: aug !== undefined, seed: aug ?? 0, device: contextOf(device).gpu })) as Labelled;
      try {
        const z = noGrad(() => model.forward(opts.modality === 'video' ? b.video : b.audio, { head: true }));
        const zz = await z.toArray();
        z.dispose();
        if (z.rank !== 2 || z.shape[0] !== c.length) throw new InvalidArgumentError(`embed: the model returned [${z.shape}] for a batch of ${c.length} items; expected (${c.length}, D) (does dataset.batch return one row per index?)`);
        dim = z.shape[1];
        out ??= new Float32Array(idx.length * dim);
        out.set(zz, at);
        at += zz.length;
        if (b.labels) labels.push(...b.labels);
        if (b.audioLabels) audioLabels.push(...b.audioLabels);
      } finally {
        b.dispose();
      }
    }
  } finally {
    model.train?.(wasTraining);
    const bufs = model.buffers?.() ?? [];
    saved.forEach((v, i) => bufs[i].ctx.upload(bufs[i].buffer, v));
    if (fullState) model.loadState!(fullState);
  }
  return { embeddings: out!, n: idx.length, dim, labels: labels.length === idx.length ? Int32Array.from(labels) : null, audioLabels: audioLabels.length === idx.length ? Int32Array.from(audioLabels) : null };
}

export interface Recall {
  r1: number;
  r5: number;
  r10: number;
  /** Median rank (1-based) of the true partner. */
  medianRank: number;
}

export interface RetrievalResult {
  videoToAudio: Recall;
  audioToVideo: Recall;
  n: number;
  /** Expected recall@k of a random ranking: k / n. */
  chance: { r1: number; r5: number; r10: number };
}

function asRows(e: Embeddings | Float32Array, dim: number | undefined, what: string): { x: Float32Array; n: number; d: number } {
  if (e instanceof Float32Array) {
    if (!dim || !Number.isInteger(dim) || e.length % dim !== 0 || e.length === 0) throw new InvalidArgumentError(`crossModalRetrieval: ${what} has ${e.length} values, not a multiple of dim ${dim}`);
    return { x: e, n: e.length / dim, d: dim };
  }
  if (!e || !(e.embeddings instanceof Float32Array)) throw new InvalidArgumentError(`${what}: expected embed()'s result or a Float32Array with { dim }`);
  return { x: e.embeddings, n: e.n, d: e.dim };
}

/** 1-based rank of the diagonal entry of row i among row i of s (n x n), ties counted against it. */
function ranks(s: Float64Array, n: number, transpose: boolean): number[] {
  const r: number[] = [];
  for (let i = 0; i < n; i++) {
    const at = (j: number): number => (transpose ? s[j * n + i] : s[i * n + j]);
    const own = at(i);
    let k = 1;
    for (let j = 0; j < n; j++) if (j !== i && at(j) >= own) k++;
    r.push(k);
  }
  return r;
}

function recall(r: number[]): Recall {
  const n = r.length, sorted = [...r].sort((a, b) => a - b);
  const at = (k: number): number => r.filter((x) => x <= k).length / n;
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { r1: at(1), r5: at(5), r10: at(10), medianRank: median };
}

/**
 * Cross-modal retrieval on paired embeddings (row i of both = clip i): each video ranks all audio rows by
 * dot product (cosine for unit rows) and vice versa; recall@k = fraction whose partner is in the top k
 * (ties count against the partner). Float64.
 *
 * @example
 * ```ts
 * const r = sscl.crossModalRetrieval(v, a);   // v, a from sscl.embed
 * r.videoToAudio.r1, r.audioToVideo.r10, r.chance.r1   // after the default `sscl train`: 0.005, 0.05, 0.005 (chance)
 * ```
 */
export function crossModalRetrieval(videoEmb: Embeddings | Float32Array, audioEmb: Embeddings | Float32Array, opts: { dim?: number } = {}): RetrievalResult {
  const v = asRows(videoEmb, opts.dim, 'videoEmb'), a = asRows(audioEmb, opts.dim, 'audioEmb');
  if (v.n !== a.n || v.d !== a.d) throw new InvalidArgumentError(`crossModalRetrieval: video (${v.n} x ${v.d}) and audio (${a.n} x ${a.d}) embeddings must pair up`);
  const n = v.n, d = v.d;
  for (const [w, x] of [['videoEmb', v.x], ['audioEmb', a.x]] as const) {
    const bad = x.findIndex((t) => !Number.isFinite(t));
    if (bad >= 0) throw new InvalidArgumentError(`crossModalRetrieval: ${w}[${bad}] is ${x[bad]}`);
  }
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let t = 0;
    for (let k = 0; k < d; k++) t += v.x[i * d + k] * a.x[j * d + k];
    s[i * n + j] = t;
  }
  return { videoToAudio: recall(ranks(s, n, false)), audioToVideo: recall(ranks(s, n, true)), n, chance: { r1: 1 / n, r5: Math.min(1, 5 / n), r10: Math.min(1, 10 / n) } };
}

/**
 * Held-out self-instance retrieval: row i of `viewA` (one augmented view of clip i, `embed(..., { augmentSeed })`)
 * ranks every row of `viewB` (another view of the same clips); recall@k and median rank of its own clip
 * (ties against it). What self-instance training optimises, measured on clips it never saw. Float64.
 *
 * @example
 * ```ts
 * const a = await sscl.embed(enc, test, { modality: 'audio', bn: 'batch', augmentSeed: 1 });
 * const b = await sscl.embed(enc, test, { modality: 'audio', bn: 'batch', augmentSeed: 2 });
 * sscl.viewRetrieval(a, b).r10;   // vs .chance.r10
 * ```
 */
export function viewRetrieval(viewA: Embeddings | Float32Array, viewB: Embeddings | Float32Array, opts: { dim?: number } = {}): Recall & { n: number; chance: RetrievalResult['chance'] } {
  const r = crossModalRetrieval(viewA, viewB, opts);
  return { ...r.videoToAudio, n: r.n, chance: r.chance };
}

export interface ProbeSplit {
  /** (n, dim) features. */
  x: Float32Array | Float64Array;
  /** n labels in [0, classes). */
  y: ArrayLike<number>;
}

export interface LinearProbeOptions {
  dim: number;
  /** Number of classes (default: max label + 1). */
  classes?: number;
  /** Full-batch gradient-descent steps (default 500). */
  steps?: number;
  /** Step size (default 1). */
  lr?: number;
  /** L2 penalty on the weights, 0.5 * wd * |W|^2 (default 1e-3). */
  weightDecay?: number;
  /**
   * Standardise each feature with the training split's mean and standard deviation first (default true).
   * Contrastive embeddings early in training vary in a thin cone; unscaled, gradient descent barely moves.
   */
  standardize?: boolean;
}

/** (x - mean) / std per column with the statistics of `ref` (std 0 -> 1). Float64. */
function standardizeWith(ref: ArrayLike<number>, d: number, xs: ArrayLike<number>[]): Float64Array[] {
  const n = ref.length / d, mean = new Float64Array(d), sd = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += ref[i * d + k] / n;
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) sd[k] += (ref[i * d + k] - mean[k]) ** 2 / n;
  for (let k = 0; k < d; k++) sd[k] = Math.sqrt(sd[k]) || 1;
  return xs.map((x) => Float64Array.from({ length: x.length }, (_, j) => (x[j] - mean[j % d]) / sd[j % d]));
}

export interface LinearProbeResult {
  accuracy: number;
  trainAccuracy: number;
  /** Accuracy of always predicting the most frequent training class, on the test split. */
  chance: number;
  classes: number;
  /** Final training loss (mean cross-entropy + penalty). */
  loss: number;
  /** (classes, dim) weights then (classes) biases, float64. */
  weights: Float64Array;
  bias: Float64Array;
}

/**
 * Linear probe: multinomial logistic regression (softmax + cross-entropy, weights and bias from zero,
 * full-batch gradient descent in float64, deterministic) trained on `train`, accuracy on `test`. Features
 * are standardised with the training split's statistics unless `standardize: false`.
 *
 * @example
 * ```ts
 * const p = sscl.linearProbe({ x: trX, y: trY }, { x: teX, y: teY }, { dim: 128 });  // p.accuracy vs p.chance
 * ```
 */
export function linearProbe(train: ProbeSplit, test: ProbeSplit, opts: LinearProbeOptions): LinearProbeResult {
  const d = opts?.dim;
  if (!Number.isInteger(d) || d < 1) throw new InvalidArgumentError(`linearProbe: dim must be a positive integer, got ${d}`);
  const check = (s: ProbeSplit, w: string): number => {
    if (!s || !s.x || s.x.length % d !== 0 || s.x.length === 0) throw new InvalidArgumentError(`linearProbe: ${w}.x must hold n x ${d} values`);
    const n = s.x.length / d;
    if (!s.y || s.y.length !== n) throw new InvalidArgumentError(`linearProbe: ${w}.y has ${s.y?.length} labels for ${n} rows`);
    for (let i = 0; i < s.x.length; i++) if (!Number.isFinite(s.x[i])) throw new InvalidArgumentError(`linearProbe: ${w}.x[${i}] is ${s.x[i]}`);
    return n;
  };
  const n = check(train, 'train'), nt = check(test, 'test');
  const maxLabel = Math.max(...Array.from(train.y), ...Array.from(test.y));
  const C = opts.classes ?? maxLabel + 1;
  for (const s of [train, test]) for (let i = 0; i < s.y.length; i++) if (!(Number.isInteger(s.y[i]) && s.y[i] >= 0 && s.y[i] < C)) throw new InvalidArgumentError(`linearProbe: label ${s.y[i]} outside [0, ${C})`);
  if (opts.standardize ?? true) {
    const [a, b] = standardizeWith(train.x, d, [train.x, test.x]);
    train = { x: a, y: train.y };
    test = { x: b, y: test.y };
  }
  const steps = opts.steps ?? 500, lr = opts.lr ?? 1, wd = opts.weightDecay ?? 1e-3;
  if (!(Number.isInteger(steps) && steps >= 0) || !(lr > 0) || !(wd >= 0)) throw new InvalidArgumentError(`linearProbe: need integer steps >= 0, lr > 0, weightDecay >= 0; got ${steps}, ${lr}, ${wd}`);
  const W = new Float64Array(C * d), b = new Float64Array(C);
  const logits = (x: ArrayLike<number>, i: number, out: Float64Array): void => {
    for (let c = 0; c < C; c++) {
      let t = b[c];
      for (let k = 0; k < d; k++) t += W[c * d + k] * x[i * d + k];
      out[c] = t;
    }
  };
  const z = new Float64Array(C);
  let loss = 0;
  for (let it = 0; it <= steps; it++) {
    const dW = new Float64Array(C * d), db = new Float64Array(C);
    loss = 0;
    for (let i = 0; i < n; i++) {
      logits(train.x, i, z);
      let m = -Infinity;
      for (let c = 0; c < C; c++) m = Math.max(m, z[c]);
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(z[c] - m);
      const lse = m + Math.log(s);
      loss += lse - z[train.y[i]];
      for (let c = 0; c < C; c++) {
        const g = (Math.exp(z[c] - lse) - (c === train.y[i] ? 1 : 0)) / n;
        db[c] += g;
        for (let k = 0; k < d; k++) dW[c * d + k] += g * train.x[i * d + k];
      }
    }
    let pen = 0;
    for (let j = 0; j < W.length; j++) pen += W[j] * W[j];
    loss = loss / n + 0.5 * wd * pen;
    if (it === steps) break; // the loss of the final weights
    for (let j = 0; j < W.length; j++) W[j] -= lr * (dW[j] + wd * W[j]);
    for (let c = 0; c < C; c++) b[c] -= lr * db[c];
  }
  const acc = (s: ProbeSplit, m: number): number => {
    let ok = 0;
    for (let i = 0; i < m; i++) {
      logits(s.x, i, z);
      let best = 0;
      for (let c = 1; c < C; c++) if (z[c] > z[best]) best = c;
      ok += +(best === s.y[i]);
    }
    return ok / m;
  };
  const counts = new Array<number>(C).fill(0);
  for (let i = 0; i < n; i++) counts[train.y[i]]++;
  const major = counts.indexOf(Math.max(...counts));
  let chance = 0;
  for (let i = 0; i < nt; i++) chance += +(test.y[i] === major);
  return { accuracy: acc(test, nt), trainAccuracy: acc(train, n), chance: chance / nt, classes: C, loss, weights: W, bias: b };
}

/** Splits embeddings + labels into probe train/test halves by item parity (even -> train, odd -> test). */
export function splitByParity(e: Embeddings, labels: Int32Array): { train: ProbeSplit; test: ProbeSplit } {
  const pick = (par: number): ProbeSplit => {
    const rows: number[] = [];
    for (let i = par; i < e.n; i += 2) rows.push(i);
    const x = new Float32Array(rows.length * e.dim);
    rows.forEach((r, k) => x.set(e.embeddings.subarray(r * e.dim, (r + 1) * e.dim), k * e.dim));
    return { x, y: Int32Array.from(rows, (r) => labels[r]) };
  };
  return { train: pick(0), test: pick(1) };
}
