// optim.SGD: torch.optim.SGD's update, term for term (torch/optim/sgd.py, foreach=False):
//   d = grad + weightDecay * p
//   buf = d                                    (first step)
//   buf = momentum * buf + (1 - dampening) * d (later steps)
//   d = nesterov ? d + momentum * buf : buf    (when momentum != 0)
//   p -= lr * d
// One kernel per parameter, all recorded into the step's encoder and submitted once by step().
import { InvalidArgumentError } from '../errors.ts';
import type { KernelSpec } from '../gpu/kernel.ts';
import { Tensor } from '../tensor/tensor.ts';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

const SGD_KERNEL: KernelSpec = {
  name: 'sgd.step',
  bindings: [{ name: 'grad' }, { name: 'param', write: true }, { name: 'buf', write: true }],
  uniforms: [['n', 'u32'], ['lr', 'f32'], ['momentum', 'f32'], ['dampening', 'f32'], ['wd', 'f32'], ['nesterov', 'u32'], ['first', 'u32']],
  workgroupSize: 64,
  body: `  let i = gidx;
  if (i >= u.n) { return; }
  let p = param(i);
  var d = grad(i);
  if (u.wd != 0.0) { d = d + u.wd * p; }
  if (u.momentum != 0.0) {
    var b = d;
    if (u.first == 0u) { b = u.momentum * buf(i) + (1.0 - u.dampening) * d; }
    buf_set(i, b);
    if (u.nesterov != 0u) { d = d + u.momentum * b; } else { d = b; }
  }
  param_set(i, p - u.lr * d);`,
};

/**
 * Stochastic gradient descent exactly as torch.optim.SGD.
 *
 * @example
 * ```ts
 * const opt = new optim.SGD([w, b], { lr: 0.1, momentum: 0.9, weightDecay: 1e-5 });
 * loss.backward();
 * opt.step();      // one submission
 * opt.zeroGrad();
 * ```
 */
export class SGD {
  /** Learning rate; schedules set it before each step. */
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly buffers = new Map<Tensor, Tensor>();

  constructor(readonly params: Tensor[], opts: SGDOptions) {
    if (!Array.isArray(params) || params.some((p) => !(p instanceof Tensor))) throw new InvalidArgumentError('SGD: params must be an array of Tensors');
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.nesterov = opts.nesterov ?? false;
    if (!(this.lr >= 0)) throw new InvalidArgumentError(`SGD: invalid learning rate ${this.lr}`);
    if (!(this.momentum >= 0)) throw new InvalidArgumentError(`SGD: invalid momentum ${this.momentum}`);
    if (!(this.weightDecay >= 0)) throw new InvalidArgumentError(`SGD: invalid weightDecay ${this.weightDecay}`);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw new InvalidArgumentError('SGD: nesterov momentum requires a momentum and zero dampening (torch rule)');
  }

  /** Applies one update to every parameter that has a gradient, then submits the step's work. */
  step(): void {
    let ctx = null;
    for (const p of this.params) {
      if (!p.grad || p.size === 0) continue;
      let buf = this.buffers.get(p);
      const first = !buf;
      if (this.momentum !== 0 && !buf) this.buffers.set(p, (buf = new Tensor(p.ctx, p.shape)));
      // Without momentum the kernel never touches `buf`; bind a 1-element scratch tensor there (binding
      // grad twice, read-only and read-write, would be a usage conflict).
      const bufArg = buf ? buf.arg : this.scratchFor(p).arg;
      const u = [p.size, this.lr, this.momentum, this.dampening, this.weightDecay, this.nesterov ? 1 : 0, first ? 1 : 0];
      p.ctx.launch(SGD_KERNEL, [p.grad.arg, p.arg, bufArg], Math.ceil(p.size / 64), u);
      ctx = p.ctx;
    }
    ctx?.flush();
  }

  private scratch: Tensor | null = null;
  private scratchFor(p: Tensor): Tensor {
    if (!this.scratch || this.scratch.ctx !== p.ctx) this.scratch = new Tensor(p.ctx, [1]);
    return this.scratch;
  }

  /** Drops every parameter's gradient (torch's default set_to_none=True). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** The momentum buffer of `params[i]` (null before that parameter's first step, or without momentum). For checkpoints. */
  momentumBuffer(i: number): Tensor | null {
    return this.buffers.get(this.params[i]) ?? null;
  }

  /** Restores `params[i]`'s momentum buffer from a checkpoint (null: none yet, the next step is a first step). */
  setMomentumBuffer(i: number, data: Float32Array | null): void {
    const p = this.params[i];
    if (!p) throw new InvalidArgumentError(`SGD.setMomentumBuffer: no parameter ${i} (have ${this.params.length})`);
    const old = this.buffers.get(p);
    if (data === null) {
      old?.dispose();
      this.buffers.delete(p);
      return;
    }
    if (data.length !== p.size) throw new InvalidArgumentError(`SGD.setMomentumBuffer: parameter ${i} has ${p.size} values, got ${data.length}`);
    const buf = old ?? new Tensor(p.ctx, p.shape);
    p.ctx.upload(buf.buffer, data);
    this.buffers.set(p, buf);
  }

  /** Frees the momentum buffers. */
  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
    this.scratch?.dispose();
  }
}
