// Elementwise ops with torch broadcasting: add, sub, mul, div (tensor or number operands) and the unary
// ops relu, sqrt, exp, log, neg, clampMin. Forward is one map kernel; backward is a map per input, or a
// reduction over the broadcast dims when that input was broadcast.
import { InvalidArgumentError } from '../../errors.ts';
import { broadcastShapes } from '../../tensor/shape.ts';
import { opOutput, Tensor } from '../../tensor/tensor.ts';
import { accumulateGrad, runMap } from '../launch.ts';
import { BINARY, UNARY, type BinaryOp, type UnaryOp } from './elementwise.wgsl.ts';

function checkTensor(op: string, name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new InvalidArgumentError(`${op}: ${name} must be a Tensor or a number, got ${typeof t}`);
}

/** out = a (op) b, broadcast. (shape: broadcast(a.shape, b.shape)) */
export function binary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  checkTensor(op, 'a', a);
  checkTensor(op, 'b', b);
  if (a.ctx !== b.ctx) throw new InvalidArgumentError(`${op}: tensors live on different devices`);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const k = BINARY[op];
  const out = opOutput(a.ctx, shape, [a, b], () => ({
    op,
    backward(g, [dA, dB]) {
      const ins = [{ name: 'g', t: g }, { name: 'a', t: a }, { name: 'b', t: b }];
      if (dA) accumulateGrad(`${op}.dA`, dA, shape, ins, k.dA);
      if (dB) accumulateGrad(`${op}.dB`, dB, shape, ins, k.dB);
    },
  }));
  runMap(op, out, [{ name: 'a', t: a }, { name: 'b', t: b }], k.fwd);
  return out;
}

/** out = f(x) (same shape). `s` is the op's scalar (clampMin's min, addScalar's addend, ...). */
export function unary(op: UnaryOp, x: Tensor, s = 0): Tensor {
  checkTensor(op, 'x', x);
  if (!Number.isFinite(s)) throw new InvalidArgumentError(`${op}: scalar must be finite, got ${s}`);
  const k = UNARY[op];
  const uniforms: Array<[string, 'f32']> = [['s', 'f32']];
  const out = opOutput(x.ctx, x.shape, [x], (y) => ({
    op,
    backward(g, [dX]) {
      if (!dX) return;
      runMap(`${op}.dX`, dX, [{ name: 'g', t: g }, { name: 'x', t: x }, { name: 'y', t: y }], k.dX, { accumulate: true, uniforms }, [s]);
    },
  }));
  runMap(op, out, [{ name: 'x', t: x }], k.fwd, { uniforms }, [s]);
  return out;
}

type Operand = Tensor | number;

function scalarOr(op: BinaryOp, a: Operand, b: Operand): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new InvalidArgumentError(`${op}: at least one operand must be a Tensor`);
  if (typeof b === 'number') {
    if (op === 'add') return unary('addScalar', a as Tensor, b);
    if (op === 'sub') return unary('addScalar', a as Tensor, -b);
    if (op === 'mul') return unary('mulScalar', a as Tensor, b);
    return unary('divScalar', a as Tensor, b);
  }
  if (typeof a === 'number') {
    if (op === 'add') return unary('addScalar', b, a);
    if (op === 'sub') return unary('rsubScalar', b, a);
    if (op === 'mul') return unary('mulScalar', b, a);
    return unary('rdivScalar', b, a);
  }
  return binary(op, a, b);
}

/** a + b with broadcasting (torch.add). Either operand may be a number. */
export const add = (a: Operand, b: Operand): Tensor => scalarOr('add', a, b);
/** a - b with broadcasting (torch.sub). */
export const sub = (a: Operand, b: Operand): Tensor => scalarOr('sub', a, b);
/** a * b with broadcasting (torch.mul). */
export const mul = (a: Operand, b: Operand): Tensor => scalarOr('mul', a, b);
/** a / b with broadcasting (torch.div). */
export const div = (a: Operand, b: Operand): Tensor => scalarOr('div', a, b);
/** max(x, 0) (torch.relu). */
export const relu = (x: Tensor): Tensor => unary('relu', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** max(x, min) (torch.clamp_min). */
export const clampMin = (x: Tensor, min: number): Tensor => unary('clampMin', x, min);
