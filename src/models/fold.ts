// Eval-mode batch norm folded into the preceding conv's epilogue: for every conv -> bn pair of the layer
// tree, per output channel
//   scale = gamma / sqrt(running_var + eps),  shift = beta + (conv_bias - running_mean) * scale
// so that bn(conv(x)) = conv(x without bias) * scale + shift, one fused dispatch with the ReLU (conv.ts
// epilogue). The folded vectors are cached per model and recomputed whenever any model tensor may have
// been written since (GpuContext.writeVersion: optimizer steps, loadState, train-mode forwards updating
// running stats, any kernel or upload writing a model buffer); correctness first, so the key is the
// versions of every model tensor, not just the BN ones.
import type { GpuContext } from '../gpu/context.ts';
import { runMap } from '../ops/launch.ts';
import { untrack } from '../tensor/tape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { subnodes, type Node } from './graph.ts';

type Conv = Extract<Node, { op: 'conv' }>;
type Bn = Extract<Node, { op: 'bn' }>;

/** The conv -> bn (-> relu) runs that are consecutive children of a seq node. */
export function convBnPairs(n: Node, out: Array<{ conv: Conv; bn: Bn }> = []): Array<{ conv: Conv; bn: Bn }> {
  const subs = subnodes(n);
  subs.forEach((c, i) => {
    const next = subs[i + 1];
    if (n.op === 'seq' && c.op === 'conv' && next?.op === 'bn') out.push({ conv: c, bn: next });
    convBnPairs(c, out);
  });
  return out;
}

export class BnFold {
  private key = '';
  private readonly folds = new Map<string, { scale: Tensor; shift: Tensor }>();

  constructor(
    private readonly pairs: ReadonlyArray<{ conv: Conv; bn: Bn }>,
    private readonly tensors: ReadonlyMap<string, Tensor>,
  ) {}

  /** Recomputes every fold when a model tensor may have changed since the last call (2 small dispatches per BN). */
  refresh(ctx: GpuContext): void {
    const key = [...this.tensors.values()].map((t) => ctx.writeVersion(t.buffer)).join(',');
    if (key === this.key) return;
    this.dispose();
    for (const { conv, bn } of this.pairs) {
      const p = (s: string) => this.tensors.get(`${bn.name}.${s}`)!;
      const C = bn.channels;
      const scale = new Tensor(ctx, [C]);
      const shift = new Tensor(ctx, [C]);
      untrack(scale); // a cache: must outlive any tidy() around the forward
      untrack(shift);
      const eps = { uniforms: [['eps', 'f32']] as Array<[string, 'f32']> };
      runMap('bnFold.scale', scale, [{ name: 'g', t: p('weight') }, { name: 'v', t: p('running_var') }], 'g * inverseSqrt(v + u.eps)', eps, [bn.eps]);
      const bias = conv.bias ? this.tensors.get(`${conv.name}.bias`)! : null;
      const ins = [{ name: 'be', t: p('bias') }, { name: 'm', t: p('running_mean') }, { name: 's', t: scale }, ...(bias ? [{ name: 'cb', t: bias }] : [])];
      runMap('bnFold.shift', shift, ins, bias ? 'be + (cb - m) * s' : 'be - m * s');
      this.folds.set(bn.name, { scale, shift });
    }
    this.key = key;
  }

  get(bn: string): { scale: Tensor; shift: Tensor } {
    return this.folds.get(bn)!;
  }

  dispose(): void {
    for (const f of this.folds.values()) {
      f.scale.dispose();
      f.shift.dispose();
    }
    this.folds.clear();
    this.key = '';
  }
}
