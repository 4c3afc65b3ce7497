// WGSL expressions of the elementwise ops, forward beside backward. Binary ops see `a`, `b` (inputs,
// broadcast) and `g` (dOut); unary ops see `x` (input), `y` (output), `g` and the uniform scalar `u.s`.

export const BINARY = {
  add: { fwd: 'a + b', dA: 'g', dB: 'g' },
  sub: { fwd: 'a - b', dA: 'g', dB: '-g' },
  mul: { fwd: 'a * b', dA: 'g * b', dB: 'g * a' },
  div: { fwd: 'a / b', dA: 'g / b', dB: '-g * a / (b * b)' },
} as const;
export type BinaryOp = keyof typeof BINARY;

export const UNARY = {
  relu: { fwd: 'max(x, 0.0)', dX: 'select(0.0, g, x > 0.0)' },
  sqrt: { fwd: 'sqrt(x)', dX: 'g * 0.5 / y' },
  exp: { fwd: 'exp(x)', dX: 'g * y' },
  log: { fwd: 'log(x)', dX: 'g / x' },
  neg: { fwd: '-x', dX: '-g' },
  // torch.clamp_min's backward passes the gradient where x >= min.
  clampMin: { fwd: 'max(x, u.s)', dX: 'select(0.0, g, x >= u.s)' },
  addScalar: { fwd: 'x + u.s', dX: 'g' },
  mulScalar: { fwd: 'x * u.s', dX: 'g * u.s' },
  divScalar: { fwd: 'x / u.s', dX: 'g / u.s' },
  rsubScalar: { fwd: 'u.s - x', dX: '-g' },
  rdivScalar: { fwd: 'u.s / x', dX: '-g * u.s / (x * x)' },
} as const;
export type UnaryOp = keyof typeof UNARY;
