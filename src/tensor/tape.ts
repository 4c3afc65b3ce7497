// The autograd tape (micrograd-sized, STYLE.md #7): every op output that needs gradients carries a
// GradNode (its inputs and a backward closure). backward() sorts the graph topologically and walks it in
// reverse; each node's backward *accumulates* into the gradient buffers of its inputs (zeroed once,
// explicitly, when first needed). Also here: the noGrad() flag and tidy() scopes.
import { InvalidArgumentError, ShapeError } from '../errors.ts';
import { MAP_WG, mapSpec } from '../gpu/map.ts';
import { fmt, sameShape } from './shape.ts';
import { Tensor } from './tensor.ts';

export interface GradNode {
  op: string;
  inputs: Tensor[];
  /**
   * Adds this op's contribution to each input's gradient: dInputs[i] += dOut * d(out)/d(input i).
   * dInputs[i] is null when input i does not need a gradient.
   */
  backward(dOut: Tensor, dInputs: Array<Tensor | null>): void;
  /** Frees tensors the op saved for backward (called once the graph is released). */
  release?(): void;
}

let gradDepth = 0;

/** False inside noGrad(). */
export function gradEnabled(): boolean {
  return gradDepth === 0;
}

/**
 * Runs `fn` without recording the tape (inference, optimizer updates). Synchronous: the flag covers the
 * call, not promises it returns.
 *
 * @example
 * ```ts
 * const y = noGrad(() => F.relu(x)); // y.requiresGrad === false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  gradDepth++;
  try {
    return fn();
  } finally {
    gradDepth--;
  }
}

const scopes: Array<Set<Tensor>> = [];

/** @internal Registers a new tensor with the innermost tidy() scope. */
export function track(t: Tensor): void {
  if (scopes.length) scopes[scopes.length - 1].add(t);
}

/** @internal Removes `t` from every open tidy() scope (a cache that outlives the scope that made it). */
export function untrack(t: Tensor): void {
  for (const s of scopes) s.delete(t);
}

function collect(v: unknown, out: Set<Tensor>, depth = 0): void {
  if (depth > 4 || v === null || typeof v !== 'object') return;
  if (v instanceof Tensor) out.add(v);
  else if (Array.isArray(v)) for (const x of v) collect(x, out, depth + 1);
  else for (const x of Object.values(v as object)) collect(x, out, depth + 1);
}

/**
 * Runs `fn` and disposes every tensor created inside it except those it returns (in an array or plain
 * object too) and leaf gradients made by backward(). Keeps a training loop's memory flat without
 * hand-written dispose() calls. Synchronous only.
 *
 * @example
 * ```ts
 * const lossValue = tidy(() => { const l = F.mseLoss(model(x), y); l.backward(); return l; });
 * ```
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) throw new InvalidArgumentError('tidy(fn): fn must be synchronous (it returned a Promise)');
  const keep = new Set<Tensor>();
  collect(result, keep);
  for (const t of scope) {
    if (keep.has(t)) track(t);
    else t.dispose();
  }
  return result;
}

function topoSort(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: Array<[Tensor, number]> = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const c = inputs[i];
      if (c.requiresGrad && !seen.has(c)) {
        seen.add(c);
        stack.push([c, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order; // inputs before outputs
}

/** @internal Tensor.backward. */
export function backward(root: Tensor, dOut?: Tensor | Float32Array): void {
  if (!root.requiresGrad) {
    throw new InvalidArgumentError(`backward(): tensor ${fmt(root.shape)} does not require grad (no input had requiresGrad: true, or it was made under noGrad())`);
  }
  if (dOut === undefined && root.size !== 1) {
    throw new ShapeError(`backward(): tensor has shape ${fmt(root.shape)}; pass dOut of the same shape, or call it on a one-element tensor`);
  }
  if (dOut instanceof Tensor && !sameShape(dOut.shape, root.shape)) {
    throw new ShapeError(`backward(): dOut has shape ${fmt(dOut.shape)}, tensor has shape ${fmt(root.shape)}`);
  }
  if (dOut instanceof Float32Array && dOut.length !== root.size) {
    throw new ShapeError(`backward(): dOut has ${dOut.length} elements, tensor ${fmt(root.shape)} has ${root.size}`);
  }
  const ctx = root.ctx;
  const grads = new Map<Tensor, Tensor>();
  const accumulatorOf = (t: Tensor): Tensor | null => {
    if (!t.requiresGrad) return null;
    if (!t.node) {
      if (!t.grad) {
        t.grad = Tensor.zerosDeferred(ctx, t.shape);
        untrack(t.grad);
      }
      return t.grad;
    }
    let g = grads.get(t);
    if (!g) grads.set(t, (g = Tensor.zerosDeferred(ctx, t.shape))); // zeroed by its first full write (claimZero)
    return g;
  };
  noGrad(() => {
    if (dOut === undefined && root.node) {
      grads.set(root, Tensor.full(ctx, root.shape, 1)); // loss.backward(): one fill, not zeros + ones + add
    } else if (dOut === undefined) {
      const one = Tensor.full(ctx, root.shape, 1);
      addInto(accumulatorOf(root)!, one);
      one.dispose();
    } else if (dOut instanceof Float32Array) {
      const d = Tensor.fromArray(ctx, dOut, root.shape);
      addInto(accumulatorOf(root)!, d);
      d.dispose();
    } else addInto(accumulatorOf(root)!, dOut);
    const order = topoSort(root);
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const node = t.node;
      if (!node) continue;
      const g = grads.get(t);
      if (!g) continue;
      node.backward(g, node.inputs.map(accumulatorOf));
      g.dispose();
      grads.delete(t);
    }
    for (const t of order) {
      t.node?.release?.();
      t.node = null;
      if (t.internal && t !== root) t.dispose();
    }
  });
}

/** @internal Marks intermediates of a composite op: freed with the graph (or now, without one). */
export function internals(out: Tensor, parts: Tensor[]): void {
  for (const t of parts) {
    if (out.requiresGrad) t.internal = true;
    else t.dispose();
  }
}

/** dst += src (same size), recorded. */
export function addInto(dst: Tensor, src: Tensor): void {
  if (dst.size === 0) return;
  const spec = mapSpec('accumulate', dst.shape, [{ name: 's', shape: dst.shape }], 's', { accumulate: !dst.claimZero() });
  dst.ctx.launch(spec, [src.arg, dst.arg], Math.ceil(dst.size / MAP_WG));
}
