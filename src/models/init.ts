// Deterministic weight initialisation from the counter-based generator (./rng.ts): tensor j of the state
// list (torch state_dict order) is stream j under the seed, so test/fixtures/gen/models_rng.py builds the
// bit-identical tensors in torch. Two schemes:
//   'default'  what training starts from; PyTorch's default init distributions with our generator:
//              conv/linear weight U(-b, b), b = 1/sqrt(fanIn) (kaiming_uniform_(a=sqrt 5)), bias U(-b, b),
//              BN weight 1, bias 0, running mean 0, var 1. (torchvision's ResNet draws conv weights from
//              kaiming_normal_(fan_out); we keep one uniform rule for both trunks.)
//   'test'     random everything, so a fixture exercises every tensor: weight U(-b, b), b = sqrt(6/fanIn)
//              (kaiming-uniform with ReLU gain: activations keep their scale through 20+ layers), bias
//              U(-1, 1)/sqrt(fanIn), BN weight 1 + U/4, bias U/10, running_mean U/10, running_var 1 + U/2.
// num_batches_tracked is 0 in both.
import { InvalidArgumentError } from '../errors.ts';
import type { StateEntry } from './graph.ts';
import { counterUniform, streamKey } from './rng.ts';

export type InitScheme = 'default' | 'test';
export type StateTensor = Float32Array | BigInt64Array;

/** (scale, offset) of entry `e` under `scheme`: value = offset + scale * u, u in [-1, 1). */
export function initAffine(e: StateEntry, scheme: InitScheme): { scale: number; offset: number } {
  const rf = 1 / Math.sqrt(e.fanIn);
  switch (e.kind) {
    case 'convWeight':
    case 'linearWeight':
      return { scale: scheme === 'test' ? Math.sqrt(6 / e.fanIn) : rf, offset: 0 };
    case 'bias':
      return { scale: rf, offset: 0 };
    case 'bnWeight':
      return scheme === 'test' ? { scale: 0.25, offset: 1 } : { scale: 0, offset: 1 };
    case 'bnBias':
    case 'runningMean':
      return { scale: scheme === 'test' ? 0.1 : 0, offset: 0 };
    case 'runningVar':
      return scheme === 'test' ? { scale: 0.5, offset: 1 } : { scale: 0, offset: 1 };
    case 'numBatchesTracked':
      return { scale: 0, offset: 0 };
  }
}

/** One tensor of the state list: stream `index` under `seed`. */
export function initTensor(e: StateEntry, index: number, seed: number, scheme: InitScheme): StateTensor {
  const n = e.shape.reduce((a, b) => a * b, 1);
  if (e.dtype === 'I64') return new BigInt64Array(n);
  const { scale, offset } = initAffine(e, scheme);
  const out = new Float32Array(n);
  if (scale === 0) return out.fill(offset);
  const key = streamKey(seed, index);
  for (let i = 0; i < n; i++) out[i] = offset + scale * counterUniform(key, i);
  return out;
}

/**
 * Every tensor of a state list, by name, in order.
 *
 * @example
 * ```ts
 * const st = initState(modelSpec('s3d', 'tiny').state, { seed: 0, scheme: 'test' });
 * st.get('features.0.0.0.weight');   // Float32Array(8 * 3 * 1 * 7 * 7), same values as models_rng.py
 * ```
 */
export function initState(entries: readonly StateEntry[], opts: { seed: number; scheme?: InitScheme }): Map<string, StateTensor> {
  const scheme = opts.scheme ?? 'default';
  if (scheme !== 'default' && scheme !== 'test') throw new InvalidArgumentError(`init scheme must be 'default' or 'test', got '${scheme}'`);
  const out = new Map<string, StateTensor>();
  entries.forEach((e, j) => out.set(e.name, initTensor(e, j, opts.seed, scheme)));
  return out;
}
