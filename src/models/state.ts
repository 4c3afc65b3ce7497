// State dicts <-> safetensors for a model spec: the data half of `model.loadState()` / `model.saveState()`
// (the engine half uploads/downloads the GPU buffers). Names, shapes and dtypes are PyTorch's state_dict's
// (./graph.ts), so a file written here loads with torch's `load_state_dict(strict=True)` into the module of
// test/fixtures/gen/models_rng.py::Encoder, and a torchvision checkpoint's trunk loads here.
import { SafetensorsError } from '../errors.ts';
import type { StateEntry } from './graph.ts';
import type { StateTensor } from './init.ts';
import { checkSafetensors, parseSafetensors, serializeSafetensors, type SafetensorsDtype, type SafetensorsInput, type TensorExpectation } from './safetensors.ts';

export interface LoadStateOptions {
  /** Which entries must be in the file: all (trunk + head, default) or those accepted by the filter. */
  only?: (entry: StateEntry) => boolean;
  /** Ignore tensors of the file that the model does not have (e.g. torchvision's `classifier.1.*`). Default false. */
  allowUnexpected?: boolean;
  /** Accept F16/BF16/F64 for float tensors (converted to float32). Default true. */
  convertFloats?: boolean;
}

/** Expectations for checkSafetensors from spec entries. */
export function stateExpectations(entries: readonly StateEntry[], convertFloats = true): TensorExpectation[] {
  const floats: SafetensorsDtype[] = convertFloats ? ['F32', 'F16', 'BF16', 'F64'] : ['F32'];
  return entries.map((e) => ({ name: e.name, shape: e.shape, dtypes: e.dtype === 'I64' ? ['I64'] : floats }));
}

/**
 * Read a state dict for `entries` from safetensors bytes. Throws SafetensorsError naming the tensor on a
 * malformed file, a missing or unexpected tensor, or a dtype/shape that does not fit.
 *
 * @example
 * ```ts
 * const spec = modelSpec('audio-resnet10', 'tiny');
 * const state = stateFromSafetensors(spec.state, bytes);   // Map 'conv1.weight' -> Float32Array(8*1*7*7), ...
 * ```
 */
export function stateFromSafetensors(entries: readonly StateEntry[], bytes: Uint8Array, opts: LoadStateOptions = {}): Map<string, StateTensor> {
  const file = parseSafetensors(bytes);
  const wanted = opts.only ? entries.filter(opts.only) : [...entries];
  const exp = stateExpectations(wanted, opts.convertFloats ?? true);
  // With a filter, the other entries of the model are neither required nor "unexpected".
  const known = new Set(entries.map((e) => e.name));
  checkSafetensors(file, exp, { allowUnexpected: true });
  if (!opts.allowUnexpected) {
    for (const en of file.entries) {
      if (!known.has(en.name)) throw new SafetensorsError(`tensor '${en.name}': not a tensor of this model (unexpected key); pass allowUnexpected to ignore it`, en.name);
    }
  }
  const out = new Map<string, StateTensor>();
  for (const e of wanted) out.set(e.name, e.dtype === 'I64' ? (file.typed(e.name) as BigInt64Array) : file.float32(e.name));
  return out;
}

/**
 * Write a state dict as safetensors (F32 and I64), byte-identical to the reference writer and loadable by
 * torch. Every entry must be present with the right length.
 */
export function stateToSafetensors(entries: readonly StateEntry[], state: ReadonlyMap<string, StateTensor | Float64Array>, metadata: Record<string, string> = { format: 'pt' }): Uint8Array<ArrayBuffer> {
  const items: [string, SafetensorsInput][] = entries.map((e) => {
    const v = state.get(e.name);
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (!v) throw new SafetensorsError(`tensor '${e.name}': missing from the state to save`, e.name);
    if (v.length !== n) throw new SafetensorsError(`tensor '${e.name}': ${v.length} values but shape [${e.shape}] needs ${n}`, e.name);
    if (e.dtype === 'I64') {
      if (!(v instanceof BigInt64Array)) throw new SafetensorsError(`tensor '${e.name}': expected a BigInt64Array (I64)`, e.name);
      return [e.name, { dtype: 'I64', shape: e.shape, data: v }];
    }
    if (v instanceof BigInt64Array) throw new SafetensorsError(`tensor '${e.name}': expected float values, got a BigInt64Array`, e.name);
    return [e.name, { dtype: 'F32', shape: e.shape, data: v instanceof Float32Array ? v : Float32Array.from(v) }];
  });
  return serializeSafetensors(items, metadata);
}
