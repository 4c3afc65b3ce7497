// contrastive.momentumUpdate: MoCo's key (momentum) encoder update on the engine's tensors, recorded into
// the engine's command stream: params_k = m params_k + (1 - m) params_q (MoCo's float32 expression) as ONE
// kernel over all parameters — the parameter tensors are separate GPU buffers, so they are gathered into
// two pooled arenas with buffer copies (no bind groups, no dispatches), updated by one launch (the
// engine's launch splits it only past the binding-size / grid limits), and the key arena scattered back —
// then buffers (BN running stats) copied from the query encoder.
import { InvalidArgumentError, ShapeError } from '../../errors.ts';
import { MAP_WG, mapSpec } from '../../gpu/map.ts';
import { fmt } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';

/** Anything with `parameters()` and optionally buffers (a `buffers()` method, or the nn modules' buffer map). */
export interface MomentumModel {
  parameters(): Tensor[];
}

function buffersOf(model: MomentumModel): Tensor[] {
  const b = (model as { buffers?: unknown }).buffers;
  if (typeof b === 'function') return [...(b.call(model) as Iterable<Tensor>)];
  if (b instanceof Map) return [...(b as Map<string, Tensor>).values()]; // nn.Module keeps its buffers in a Map
  return [];
}

function pairUp(what: string, ks: Tensor[], qs: Tensor[]): void {
  if (ks.length !== qs.length) throw new ShapeError(`momentumUpdate: the key model has ${ks.length} ${what}, the query model ${qs.length}; both must be the same architecture`);
  ks.forEach((k, i) => {
    const q = qs[i];
    if (!(k instanceof Tensor) || !(q instanceof Tensor)) throw new InvalidArgumentError(`momentumUpdate: ${what} ${i} is not a Tensor`);
    if (k.size !== q.size || k.shape.join() !== q.shape.join()) throw new ShapeError(`momentumUpdate: ${what} ${i} is ${fmt(k.shape)} in the key model but ${fmt(q.shape)} in the query model`);
    if (k === q) throw new InvalidArgumentError(`momentumUpdate: ${what} ${i} is the same tensor in both models; the key encoder needs its own copy`);
  });
}

/**
 * MoCo's momentum encoder step: every parameter `k = m * k + (1 - m) * q`, then every buffer (BN running
 * stats) copied from `queryModel`. Recorded, no submit. Call it without gradients (it does not touch the tape).
 *
 * @example
 * ```ts
 * contrastive.momentumUpdate(keyEncoder, queryEncoder, 0.999);
 * ```
 * @throws ShapeError when the models' parameter or buffer lists differ; InvalidArgumentError for m outside [0, 1].
 */
export function momentumUpdate(keyModel: MomentumModel, queryModel: MomentumModel, m = 0.999): void {
  if (!(m >= 0 && m <= 1)) throw new InvalidArgumentError(`momentumUpdate: m must be in [0, 1], got ${m}`);
  const kp = keyModel.parameters(), qp = queryModel.parameters();
  pairUp('parameters', kp, qp);
  const kb = buffersOf(keyModel), qb = buffersOf(queryModel);
  pairUp('buffers', kb, qb);
  if (!kp.length && !kb.length) return;
  const ctx = (kp[0] ?? kb[0]).ctx;
  const pairs = kp.map((k, i) => ({ key: k.buffer, query: qp[i].buffer, n: k.size })).filter((p) => p.n > 0);
  const total = pairs.reduce((s, p) => s + p.n, 0);
  if (total > 0) {
    const kA = new Tensor(ctx, [total]); // (total) all key parameters, flattened in order
    const qA = new Tensor(ctx, [total]);
    let off = 0;
    for (const p of pairs) {
      ctx.copy(p.key, kA.buffer, p.n * 4, 0, off * 4);
      ctx.copy(p.query, qA.buffer, p.n * 4, 0, off * 4);
      off += p.n;
    }
    const spec = mapSpec('momentumUpdate', [total], [{ name: 'q', shape: [total] }], 'u.m * out(i) + (1.0 - u.m) * q', { uniforms: [['m', 'f32']] });
    ctx.launch(spec, [qA.arg, kA.arg], Math.ceil(total / MAP_WG), [m]);
    off = 0;
    for (const p of pairs) {
      ctx.copy(kA.buffer, p.key, p.n * 4, off * 4, 0);
      off += p.n;
    }
    kA.dispose(); // pooled: reuse is ordered after this batch's reads
    qA.dispose();
  }
  kb.forEach((k, i) => {
    if (k.size > 0) ctx.copy(qb[i].buffer, k.buffer, k.size * 4);
  });
}
