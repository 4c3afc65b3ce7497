// Public surface of the tensor engine (issue 4). Re-exported by src/index.ts.
export { Tensor, type TensorOptions, type DeviceLike } from './tensor/tensor.ts';
export { noGrad, tidy } from './tensor/tape.ts';
export { F } from './ops/functional.ts';
export * as optim from './optim/index.ts';
export * as nn from './nn/index.ts';
export { lrAt, LrScheduler, type LrScheduleOptions, type SGDOptions } from './optim/index.ts';
export { ShapeError, DTypeError, DisposedTensorError, GpuExecutionError } from './errors.ts';
