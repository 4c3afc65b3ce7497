// Minimal modules built only from ops (STYLE.md: nn/ sits on ops/): Linear, Conv2d, Conv3d, BatchNorm.
// Parameters are initialised like torch's defaults (kaiming_uniform_ with a = sqrt(5), i.e. U(-b, b) with
// b = 1/sqrt(fan_in), for weights and biases) from a seeded generator, so a model is reproducible; the
// values differ from torch's (different RNG), the distribution does not.
import { InvalidArgumentError } from '../errors.ts';
import { batchNorm } from '../ops/batchnorm/batchnorm.ts';
import { conv2d, conv3d, type ConvOptions } from '../ops/conv/conv.ts';
import { linear } from '../ops/matmul/matmul.ts';
import { tuple } from '../tensor/shape.ts';
import { Tensor, type DeviceLike } from '../tensor/tensor.ts';

export interface InitOptions {
  /** Seed of the parameter initialisation (default 0). */
  seed?: number;
}

function uniform(n: number, bound: number, seed: number): Float32Array {
  let s = (seed * 2654435761 + 0x9e3779b9) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = ((s / 4294967296) * 2 - 1) * bound;
  }
  return out;
}

/** Base class: named parameters, buffers (running stats), train/eval, dispose. */
export abstract class Module {
  training = true;
  protected readonly params = new Map<string, Tensor>();
  protected readonly buffers = new Map<string, Tensor>();

  /** Trainable tensors, in registration order (hand them to optim.SGD). */
  parameters(): Tensor[] {
    return [...this.params.values()];
  }

  namedParameters(): Array<[string, Tensor]> {
    return [...this.params.entries()];
  }

  train(mode = true): this {
    this.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  dispose(): void {
    for (const t of [...this.params.values(), ...this.buffers.values()]) t.dispose();
  }

  protected param(name: string, device: DeviceLike, data: Float32Array, shape: number[]): Tensor {
    const t = Tensor.fromArray(device, data, shape, { requiresGrad: true });
    this.params.set(name, t);
    return t;
  }

  abstract forward(x: Tensor): Tensor;
}

/**
 * y = x W^T + b (torch.nn.Linear).
 *
 * @example
 * ```ts
 * const fc = new nn.Linear(device, 512, 128);
 * const y = fc.forward(x); // x (N, 512) -> (N, 128)
 * ```
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(device: DeviceLike, inFeatures: number, outFeatures: number, opts: InitOptions & { bias?: boolean } = {}) {
    super();
    if (!(inFeatures >= 1 && outFeatures >= 1)) throw new InvalidArgumentError(`Linear: features must be >= 1, got ${inFeatures}, ${outFeatures}`);
    const b = 1 / Math.sqrt(inFeatures);
    this.weight = this.param('weight', device, uniform(outFeatures * inFeatures, b, opts.seed ?? 0), [outFeatures, inFeatures]);
    this.bias = opts.bias === false ? null : this.param('bias', device, uniform(outFeatures, b, (opts.seed ?? 0) + 1), [outFeatures]);
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

class ConvNd extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(
    private readonly nd: 2 | 3,
    device: DeviceLike,
    inChannels: number,
    outChannels: number,
    kernelSize: number | number[],
    private readonly opts: ConvOptions & InitOptions & { bias?: boolean } = {},
  ) {
    super();
    const k = tuple(`Conv${nd}d`, 'kernelSize', kernelSize, nd, 1);
    const fanIn = inChannels * k.reduce((a, b) => a * b, 1);
    const b = 1 / Math.sqrt(fanIn);
    this.weight = this.param('weight', device, uniform(outChannels * fanIn, b, opts.seed ?? 0), [outChannels, inChannels, ...k]);
    this.bias = opts.bias === false ? null : this.param('bias', device, uniform(outChannels, b, (opts.seed ?? 0) + 1), [outChannels]);
  }
  forward(x: Tensor): Tensor {
    const o = { stride: this.opts.stride, padding: this.opts.padding, dilation: this.opts.dilation };
    return this.nd === 3 ? conv3d(x, this.weight, this.bias, o) : conv2d(x, this.weight, this.bias, o);
  }
}

/** torch.nn.Conv3d (NCDHW). @example `new nn.Conv3d(device, 3, 64, [1, 7, 7], { stride: [1, 2, 2], padding: [0, 3, 3], bias: false })` */
export class Conv3d extends ConvNd {
  constructor(device: DeviceLike, inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvOptions & InitOptions & { bias?: boolean } = {}) {
    super(3, device, inChannels, outChannels, kernelSize, opts);
  }
}

/** torch.nn.Conv2d (NCHW). */
export class Conv2d extends ConvNd {
  constructor(device: DeviceLike, inChannels: number, outChannels: number, kernelSize: number | number[], opts: ConvOptions & InitOptions & { bias?: boolean } = {}) {
    super(2, device, inChannels, outChannels, kernelSize, opts);
  }
}

/**
 * torch.nn.BatchNorm1d/2d/3d (one class: the channel dim is 1 for every rank). weight = 1, bias = 0,
 * runningMean = 0, runningVar = 1; training mode uses batch stats and updates the running ones.
 */
export class BatchNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  constructor(device: DeviceLike, numFeatures: number, private readonly opts: { momentum?: number; eps?: number; affine?: boolean } = {}) {
    super();
    const affine = opts.affine ?? true;
    this.weight = affine ? this.param('weight', device, new Float32Array(numFeatures).fill(1), [numFeatures]) : null;
    this.bias = affine ? this.param('bias', device, new Float32Array(numFeatures), [numFeatures]) : null;
    this.runningMean = Tensor.zeros(device, [numFeatures]);
    this.runningVar = Tensor.ones(device, [numFeatures]);
    this.buffers.set('runningMean', this.runningMean);
    this.buffers.set('runningVar', this.runningVar);
  }
  forward(x: Tensor): Tensor {
    return batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, { training: this.training, momentum: this.opts.momentum ?? 0.1, eps: this.opts.eps ?? 1e-5 });
  }
}
