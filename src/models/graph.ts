// Architectures as data: a small tree of layers whose leaves carry the PyTorch module path, so that the
// state_dict names, shapes, parameter counts and FLOPs all come from one description, and the engine-based
// forward (and the plain-TS reference in ./reference.ts) interpret the same tree.
// Spatial layers are 3-D (S3D: kernel [kT, kH, kW]) or 2-D (ResNet: [kH, kW]); activations are
// (B, C, T, H, W) or (B, C, H, W) in NC... layout, as in torch.
import { ModelSpecError } from '../errors.ts';

export type Node =
  /** torch.nn.Conv{2,3}d, groups 1, dilation 1. Params `${name}.weight` (outC, inC, ...kernel) [+ `${name}.bias`]. */
  | { op: 'conv'; name: string; inC: number; outC: number; kernel: number[]; stride: number[]; padding: number[]; bias: boolean }
  /** torch.nn.BatchNorm{2,3}d with affine + running stats. */
  | { op: 'bn'; name: string; channels: number; eps: number; momentum: number }
  | { op: 'relu' }
  /** torch.nn.MaxPool{2,3}d, ceil_mode false, padding counts as -inf. */
  | { op: 'maxpool'; kernel: number[]; stride: number[]; padding: number[] }
  | { op: 'seq'; children: Node[] }
  /** Run every branch on the same input and concatenate along channels (torch.cat(dim=1)). */
  | { op: 'concat'; branches: Node[] }
  /** body(x) + (shortcut ? shortcut(x) : x). */
  | { op: 'residual'; body: Node; shortcut: Node | null }
  /** Adaptive average pool to 1 on every spatial axis, then flatten: (B, C, ...) -> (B, C). */
  | { op: 'globalAvgPool' }
  /** torch.nn.Linear: `${name}.weight` (outF, inF), `${name}.bias` (outF). */
  | { op: 'linear'; name: string; inF: number; outF: number; bias: boolean }
  /** x / max(||x||_2, eps) over dim 1 (torch.nn.functional.normalize). */
  | { op: 'l2normalize'; eps: number };

export type StateKind = 'convWeight' | 'linearWeight' | 'bias' | 'bnWeight' | 'bnBias' | 'runningMean' | 'runningVar' | 'numBatchesTracked';

/** One entry of the PyTorch state_dict. */
export interface StateEntry {
  name: string;
  shape: number[];
  kind: StateKind;
  /** Trainable parameter (true) or buffer (false). */
  trainable: boolean;
  dtype: 'F32' | 'I64';
  /** Fan-in of the layer the tensor belongs to (for initialisation bounds). */
  fanIn: number;
  /** Fan-out (outC * prod(kernel)), used by kaiming-normal(fan_out) init. */
  fanOut: number;
}

const prod = (a: readonly number[]): number => a.reduce((x, y) => x * y, 1);

/** State entries in torch's state_dict order (module registration order, params before buffers). */
export function stateEntries(node: Node, out: StateEntry[] = []): StateEntry[] {
  switch (node.op) {
    case 'conv': {
      const fanIn = node.inC * prod(node.kernel);
      const fanOut = node.outC * prod(node.kernel);
      out.push({ name: `${node.name}.weight`, shape: [node.outC, node.inC, ...node.kernel], kind: 'convWeight', trainable: true, dtype: 'F32', fanIn, fanOut });
      if (node.bias) out.push({ name: `${node.name}.bias`, shape: [node.outC], kind: 'bias', trainable: true, dtype: 'F32', fanIn, fanOut });
      break;
    }
    case 'linear':
      out.push({ name: `${node.name}.weight`, shape: [node.outF, node.inF], kind: 'linearWeight', trainable: true, dtype: 'F32', fanIn: node.inF, fanOut: node.outF });
      if (node.bias) out.push({ name: `${node.name}.bias`, shape: [node.outF], kind: 'bias', trainable: true, dtype: 'F32', fanIn: node.inF, fanOut: node.outF });
      break;
    case 'bn': {
      const c = node.channels;
      const e = (suffix: string, kind: StateKind, trainable: boolean, shape = [c], dtype: 'F32' | 'I64' = 'F32'): StateEntry => ({ name: `${node.name}.${suffix}`, shape, kind, trainable, dtype, fanIn: c, fanOut: c });
      out.push(e('weight', 'bnWeight', true), e('bias', 'bnBias', true), e('running_mean', 'runningMean', false), e('running_var', 'runningVar', false), e('num_batches_tracked', 'numBatchesTracked', false, [], 'I64'));
      break;
    }
    default:
      for (const c of subnodes(node)) stateEntries(c, out);
  }
  return out;
}

/** A container's sub-trees in torch's module registration order (seq children, concat branches, residual body then shortcut); [] for a layer. */
export function subnodes(node: Node): Node[] {
  switch (node.op) {
    case 'seq':
      return node.children;
    case 'concat':
      return node.branches;
    case 'residual':
      return node.shortcut ? [node.body, node.shortcut] : [node.body];
    default:
      return [];
  }
}

/** Sum of elements of trainable parameters. */
export function countParameters(node: Node): number {
  return stateEntries(node).reduce((s, e) => s + (e.trainable ? prod(e.shape) : 0), 0);
}

export interface Cost {
  /** Multiply-accumulates of conv and linear layers, per example. */
  macs: number;
  /** Other elementwise work per example (BN, ReLU, pooling windows, adds, normalisation), counted as one op per output element (pool: per window element). */
  otherOps: number;
}

/** Output shape (without batch) of a node for an input shape (without batch); adds per-example cost to `cost`. */
export function outputShape(node: Node, shape: readonly number[], cost: Cost = { macs: 0, otherOps: 0 }): number[] {
  const where = 'name' in node ? ` at '${node.name}'` : '';
  const spatial = (kernel: number[], stride: number[], padding: number[], s: readonly number[]): number[] => {
    if (kernel.length !== s.length - 1) throw new ModelSpecError(`${node.op}${where}: ${kernel.length}-D kernel on a ${s.length - 1}-D input [${s}]`);
    return kernel.map((k, i) => {
      const o = Math.floor((s[i + 1] + 2 * padding[i] - k) / stride[i]) + 1;
      if (o < 1) throw new ModelSpecError(`${node.op}${where}: input [${s}] too small for kernel [${kernel}] stride [${stride}] padding [${padding}]; use a larger clip/spectrogram`);
      return o;
    });
  };
  switch (node.op) {
    case 'conv': {
      if (shape[0] !== node.inC) throw new ModelSpecError(`conv${where}: expects ${node.inC} input channels, got shape [${shape}]`);
      const out = [node.outC, ...spatial(node.kernel, node.stride, node.padding, shape)];
      cost.macs += prod(out) * node.inC * prod(node.kernel);
      return out;
    }
    case 'bn':
      if (shape[0] !== node.channels) throw new ModelSpecError(`bn${where}: expects ${node.channels} channels, got [${shape}]`);
      cost.otherOps += prod(shape);
      return [...shape];
    case 'relu':
      cost.otherOps += prod(shape);
      return [...shape];
    case 'maxpool': {
      const out = [shape[0], ...spatial(node.kernel, node.stride, node.padding, shape)];
      cost.otherOps += prod(out) * prod(node.kernel);
      return out;
    }
    case 'seq':
      return node.children.reduce<number[]>((s, c) => outputShape(c, s, cost), [...shape]);
    case 'concat': {
      const outs = node.branches.map((b) => outputShape(b, shape, cost));
      for (const o of outs) if (o.slice(1).join() !== outs[0].slice(1).join()) throw new ModelSpecError(`concat: branch shapes [${outs.join('] [')}] differ spatially`);
      return [outs.reduce((c, o) => c + o[0], 0), ...outs[0].slice(1)];
    }
    case 'residual': {
      const a = outputShape(node.body, shape, cost);
      const b = node.shortcut ? outputShape(node.shortcut, shape, cost) : [...shape];
      if (a.join() !== b.join()) throw new ModelSpecError(`residual: body [${a}] and shortcut [${b}] differ`);
      cost.otherOps += prod(a);
      return a;
    }
    case 'globalAvgPool':
      cost.otherOps += prod(shape);
      return [shape[0]];
    case 'linear':
      if (shape.length !== 1 || shape[0] !== node.inF) throw new ModelSpecError(`linear${where}: expects [${node.inF}], got [${shape}]`);
      cost.macs += node.inF * node.outF;
      return [node.outF];
    case 'l2normalize':
      cost.otherOps += 3 * prod(shape);
      return [...shape];
  }
}
