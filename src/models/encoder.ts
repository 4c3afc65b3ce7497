// The encoders on the WebGPU engine: `createModel(arch, { preset, device })` walks the spec's layer tree
// (./graph.ts) node by node with the engine's F ops, exactly as ./reference.ts::refNode does in float64
// (that file is the oracle; the node semantics are documented there and in docs/models.md). Parameters and
// buffers are one GPU tensor per state_dict entry, named as torch names them, so loadState/saveState are
// the state-dict IO of ./state.ts plus an upload/download.
import { InvalidArgumentError, ModelSpecError } from '../errors.ts';
import { batchNorm } from '../ops/batchnorm/batchnorm.ts';
import { cat } from '../ops/cat/cat.ts';
import { conv2d, conv3d } from '../ops/conv/conv.ts';
import { add, relu } from '../ops/elementwise/elementwise.ts';
import { linear } from '../ops/matmul/matmul.ts';
import { normalize } from '../ops/normalize/normalize.ts';
import { maxPool2d, maxPool3d } from '../ops/pool/pool.ts';
import { mean } from '../ops/reduce/reduce.ts';
import { fmt } from '../tensor/shape.ts';
import { gradEnabled, tidy } from '../tensor/tape.ts';
import { contextOf, Tensor, type DeviceLike } from '../tensor/tensor.ts';
import { BnFold, convBnPairs } from './fold.ts';
import { outputShape, type Node } from './graph.ts';
import { initState, type InitScheme, type StateTensor } from './init.ts';
import { modelSpec, type ModelArch, type ModelPreset, type ModelSpec } from './spec.ts';
import { stateFromSafetensors, stateToSafetensors, type LoadStateOptions } from './state.ts';

export interface CreateModelOptions {
  /** A Device from getDevice() (or a GPUDevice). */
  device: DeviceLike;
  /** 'paper' (default), 'small' or 'tiny' (docs/models.md). */
  preset?: ModelPreset;
  /** Seed of the deterministic initialisation (./init.ts; same values as test/fixtures/gen/models_rng.py). Default 0. */
  seed?: number;
  /** 'default' (PyTorch's default distributions, for training) or 'test' (every tensor random, for fixtures). */
  init?: InitScheme;
}

export interface ForwardOptions {
  /** true: projection head + L2 normalisation -> (B, 128). false (default): the pooled feature (B, 1024) / (B, 512). */
  head?: boolean;
}

/**
 * An S3D or audio ResNet-10 encoder with its projection head, running on the WebGPU engine.
 * Create with {@link createModel}.
 */
export class EncoderModel {
  /** True after train() (the initial mode, as torch modules): BN uses batch statistics and updates its running ones. */
  training = true;
  private readonly tensors = new Map<string, Tensor>();
  /** num_batches_tracked per BN layer (an integer counter; kept on the host). */
  private readonly batches = new Map<string, bigint>();
  private disposed = false;
  /** Eval-mode BN folded into the convs (./fold.ts); used while `fused` is set by forwardWith. */
  private readonly fold: BnFold;
  private fused = false;

  /** @internal Use createModel(). */
  constructor(
    readonly spec: ModelSpec,
    private readonly device: DeviceLike,
    state: ReadonlyMap<string, StateTensor>,
  ) {
    for (const e of spec.state) {
      const v = state.get(e.name)!;
      if (v instanceof BigInt64Array) this.batches.set(e.name, v[0] ?? 0n);
      else this.tensors.set(e.name, Tensor.fromArray(device, v, e.shape, { requiresGrad: e.trainable }));
    }
    this.fold = new BnFold([spec.trunk, spec.pool, spec.head].flatMap((n) => convBnPairs(n)), this.tensors);
  }

  /** 's3d' or 'audio-resnet10'. */
  get arch(): ModelArch {
    return this.spec.arch;
  }

  /** BN uses batch statistics and updates running stats (torch's momentum convention). */
  train(mode = true): this {
    this.training = mode;
    return this;
  }

  /** BN uses the running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Trainable tensors in state_dict order (hand them to optim.SGD). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** [state_dict name, tensor] of every trainable tensor, in state_dict order. */
  namedParameters(): Array<[string, Tensor]> {
    this.alive();
    return this.spec.state.filter((e) => e.trainable).map((e) => [e.name, this.tensors.get(e.name)!]);
  }

  /** Non-trainable float state (BN running_mean / running_var) in state_dict order, as torch's buffers() minus the host-side num_batches_tracked. */
  buffers(): Tensor[] {
    this.alive();
    return this.spec.state.filter((e) => !e.trainable && e.dtype !== 'I64').map((e) => this.tensors.get(e.name)!);
  }

  /**
   * Forward pass. S3D: x (B, 3, T, H, W); audio ResNet-10: x (B, 1, F, T). Returns (B, featureDim), or
   * (B, 128) L2-normalised rows with `head: true`. With gradients enabled the intermediates belong to the
   * autograd graph: wrap a training step in tidy() to free them. Under noGrad() they are freed here.
   *
   * @example
   * ```ts
   * const video = await createModel('s3d', { preset: 'tiny', device });
   * const z = noGrad(() => video.eval().forward(clip, { head: true }));   // clip (2, 3, 8, 32, 32) -> (2, 128)
   * ```
   * @throws InvalidArgumentError when x is not a Tensor of this device; ModelSpecError when the shape does
   *   not fit (wrong channels or rank, a clip too small for the strides, B = 1 in train mode).
   */
  forward(x: Tensor, opts: ForwardOptions = {}): Tensor {
    return this.forwardWith(x, () => {
      const f = this.node(this.spec.pool, this.node(this.spec.trunk, x));
      return opts.head ? this.node(this.spec.head, f) : f;
    });
  }

  private forwardWith(x: Tensor, run: () => Tensor): Tensor {
    this.alive();
    if (!(x instanceof Tensor)) throw new InvalidArgumentError(`${this.arch}.forward: expected a Tensor, got ${typeof x}; make one with Tensor.fromArray(device, data, shape)`);
    if (x.ctx !== contextOf(this.device)) throw new InvalidArgumentError(`${this.arch}.forward: the input lives on a different device than the model`);
    const rank = this.spec.input.length + 1;
    const layout = this.arch === 's3d' ? '(B, 3, T, H, W)' : '(B, 1, F, T)';
    if (x.rank !== rank) throw new ModelSpecError(`${this.arch}.forward: expected input ${layout}, got ${fmt(x.shape)}`);
    outputShape(this.spec.trunk, x.shape.slice(1)); // typed errors for wrong channels / too small inputs
    if (this.training && x.shape[0] < 2) throw new ModelSpecError(`${this.arch}.forward: train-mode batch norm needs a batch of at least 2, got ${fmt(x.shape)}; use eval() for single examples`);
    // Eval mode with no gradient needed: conv + BN (+ ReLU) as one fused dispatch (./fold.ts). Train
    // mode, or eval with a graph to record, runs the separate ops.
    const fused = !this.training && !(gradEnabled() && (x.requiresGrad || this.parameters().some((p) => p.requiresGrad)));
    if (fused) this.fold.refresh(x.ctx);
    this.fused = fused;
    try {
      return gradEnabled() ? run() : tidy(run);
    } finally {
      this.fused = false;
    }
  }

  /** The trunk output before pooling: (B, 1024, T', H', W') for S3D, (B, 512, F', T') for ResNet-10 (paper widths). */
  trunk(x: Tensor): Tensor {
    return this.forwardWith(x, () => this.node(this.spec.trunk, x));
  }

  /** Loads a state dict (torch names) from safetensors bytes into the GPU tensors. Throws SafetensorsError naming the tensor. */
  loadState(bytes: Uint8Array, opts: LoadStateOptions = {}): void {
    this.alive();
    const state = stateFromSafetensors(this.spec.state, bytes, opts);
    const ctx = contextOf(this.device);
    for (const [name, v] of state) {
      if (v instanceof BigInt64Array) this.batches.set(name, v[0] ?? 0n);
      else ctx.upload(this.tensors.get(name)!.buffer, v);
    }
  }

  /** Every state_dict tensor, read back from the GPU. */
  async stateDict(): Promise<Map<string, StateTensor>> {
    this.alive();
    const out = new Map<string, StateTensor>();
    for (const e of this.spec.state) {
      out.set(e.name, e.dtype === 'I64' ? BigInt64Array.of(this.batches.get(e.name) ?? 0n) : await this.tensors.get(e.name)!.toArray());
    }
    return out;
  }

  /**
   * The state dict as safetensors bytes (F32 + I64 num_batches_tracked) that torch's load_state_dict(strict)
   * accepts (docs/models.md). Async: it reads GPU buffers.
   */
  async saveState(): Promise<Uint8Array<ArrayBuffer>> {
    return stateToSafetensors(this.spec.state, await this.stateDict());
  }

  /** Frees every GPU tensor of the model. */
  dispose(): void {
    this.fold.dispose();
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
    this.disposed = true;
  }

  private alive(): void {
    if (this.disposed) throw new InvalidArgumentError(`${this.arch} model was used after dispose()`);
  }

  private p(name: string): Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new ModelSpecError(`${this.arch}: no state tensor '${name}'`);
    return t;
  }

  /** conv -> eval BN (-> ReLU) as one dispatch: the conv's epilogue applies the folded scale/shift (its bias is in shift). */
  private convBn(n: Extract<Node, { op: 'conv' }>, bn: string, relu: boolean, x: Tensor, into?: Into, residual?: Tensor): Tensor {
    const { scale, shift } = this.fold.get(bn);
    const o = { stride: n.stride, padding: n.padding, epilogue: { scale, shift, relu, residual }, into };
    return n.kernel.length === 3 ? conv3d(x, this.p(`${n.name}.weight`), null, o) : conv2d(x, this.p(`${n.name}.weight`), null, o);
  }

  /** One node of the layer tree; mirrors reference.ts::refNode. */
  private node(n: Node, x: Tensor, into?: Into): Tensor {
    switch (n.op) {
      case 'conv': {
        const o = { stride: n.stride, padding: n.padding };
        const b = n.bias ? this.p(`${n.name}.bias`) : null;
        return n.kernel.length === 3 ? conv3d(x, this.p(`${n.name}.weight`), b, o) : conv2d(x, this.p(`${n.name}.weight`), b, o);
      }
      case 'bn': {
        const y = batchNorm(x, this.p(`${n.name}.running_mean`), this.p(`${n.name}.running_var`), this.p(`${n.name}.weight`), this.p(`${n.name}.bias`), { training: this.training, momentum: n.momentum, eps: n.eps });
        if (this.training) {
          const k = `${n.name}.num_batches_tracked`;
          this.batches.set(k, (this.batches.get(k) ?? 0n) + 1n);
        }
        return y;
      }
      case 'relu':
        return relu(x);
      case 'maxpool': {
        const o = { kernelSize: n.kernel, stride: n.stride, padding: n.padding };
        return n.kernel.length === 3 ? maxPool3d(x, o) : maxPool2d(x, o);
      }
      case 'seq': {
        let t = x;
        for (let i = 0; i < n.children.length; i++) {
          const c = n.children[i];
          const bn = n.children[i + 1];
          if (this.fused && c.op === 'residual' && bn?.op === 'relu' && c.body.op === 'seq' && c.body.children.at(-1)?.op === 'bn' && c.body.children.at(-2)?.op === 'conv') {
            // relu(body(x) + shortcut(x)) with the add and ReLU in the body's last conv epilogue
            const kids = c.body.children;
            const sc = c.shortcut ? this.node(c.shortcut, t) : t;
            const h = this.node({ op: 'seq', children: kids.slice(0, -2) }, t);
            t = this.convBn(kids.at(-2) as Extract<Node, { op: 'conv' }>, (kids.at(-1) as Extract<Node, { op: 'bn' }>).name, true, h, undefined, sc);
            i += 1;
          } else if (this.fused && c.op === 'conv' && bn?.op === 'bn') {
            const relu = n.children[i + 2]?.op === 'relu';
            const last = i + (relu ? 2 : 1) === n.children.length - 1;
            t = this.convBn(c, bn.name, relu, t, last ? into : undefined);
            i += relu ? 2 : 1;
          } else {
            t = this.node(c, t, i === n.children.length - 1 ? into : undefined);
          }
        }
        return t;
      }
      case 'concat': {
        if (!this.fused || !n.branches.every(endsInConvBn)) return cat(n.branches.map((b) => this.node(b, x)), 1);
        // fused: every branch's last conv writes its channels of the output directly (no cat copies)
        const shapes = n.branches.map((b) => outputShape(b, x.shape.slice(1)));
        const out = new Tensor(x.ctx, [x.shape[0], shapes.reduce((s, sh) => s + sh[0], 0), ...shapes[0].slice(1)]);
        let off = 0;
        n.branches.forEach((b, i) => {
          this.node(b, x, { out, channelOffset: off });
          off += shapes[i][0];
        });
        return out;
      }
      case 'residual':
        return add(this.node(n.body, x), n.shortcut ? this.node(n.shortcut, x) : x);
      case 'globalAvgPool': // adaptive: any (T, H, W) -> mean, (B, C, ...) -> (B, C)
        return mean(x, { dim: [...Array(x.rank - 2).keys()].map((d) => d + 2) });
      case 'linear':
        return linear(x, this.p(`${n.name}.weight`), n.bias ? this.p(`${n.name}.bias`) : null);
      case 'l2normalize':
        return normalize(x, { dim: 1, eps: n.eps });
    }
  }
}

type Into = { out: Tensor; channelOffset: number };

/** A seq whose last layers are conv -> bn (-> relu): in fused mode its result can be written into a concat's output. */
function endsInConvBn(n: Node): boolean {
  if (n.op !== 'seq') return false;
  const c = n.children;
  const last = c[c.length - 1];
  if (last?.op === 'seq') return endsInConvBn(last);
  if (last?.op === 'relu') return c[c.length - 2]?.op === 'bn' && c[c.length - 3]?.op === 'conv';
  return last?.op === 'bn' && c[c.length - 2]?.op === 'conv';
}

/**
 * Creates an encoder on the GPU: S3D ('s3d', video) or ResNet-10 ('audio-resnet10', log-mel), with its
 * projection head, initialised deterministically (`seed`, `init`) or from `loadState()` afterwards.
 *
 * @example
 * ```ts
 * const device = await getDevice();
 * const audio = await createModel('audio-resnet10', { preset: 'tiny', device, seed: 1 });
 * const x = Tensor.fromArray(device, new Float32Array(2 * 64 * 64), [2, 1, 64, 64]);
 * const feat = noGrad(() => audio.forward(x));                 // (2, 64): tiny width 512 / 8
 * const emb = noGrad(() => audio.forward(x, { head: true }));  // (2, 128), unit rows
 * const bytes = await audio.saveState();                       // safetensors, torch state_dict names
 * ```
 */
export async function createModel(arch: ModelArch, opts: CreateModelOptions): Promise<EncoderModel> {
  if (!opts || !opts.device) throw new InvalidArgumentError(`createModel('${arch}'): pass { device } from getDevice()`);
  const spec = modelSpec(arch, opts.preset ?? 'paper');
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new InvalidArgumentError(`createModel: seed must be a non-negative integer, got ${seed}`);
  const state = initState(spec.state, { seed, scheme: opts.init ?? 'default' });
  return new EncoderModel(spec, opts.device, state);
}

