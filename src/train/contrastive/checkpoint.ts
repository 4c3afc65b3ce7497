// Contrastive state in checkpoints (issue 7): the MoCo queue (keys + pointer) and memory banks, as
// safetensors entries next to the model state dicts:
//   queue.keys (K, D) F32, queue.ptr () I64, bank.<name>.features (N, D) F32, metadata `bank.<name>.momentum`.
// The momentum (key) encoder is a model state dict: save it with stateToSafetensors under its own file or
// prefix. Restoring writes the values back into existing GPU objects of the same shape.
import { InvalidArgumentError, SafetensorsError } from '../../errors.ts';
import { parseSafetensors, serializeSafetensors, type SafetensorsInput } from '../../models/safetensors.ts';

/** What a checkpoint needs of a queue: GpuQueue, or the public Queue (contrastive.createQueue). */
export interface QueueLike {
  readonly size: number;
  readonly dim: number;
  ptr: number;
  read(): Promise<Float32Array>;
  write(keys: Float32Array<ArrayBuffer>): void;
}

/** What a checkpoint needs of a memory bank: GpuMemoryBank, or the public MemoryBank. */
export interface BankLike {
  readonly size: number;
  readonly dim: number;
  readonly momentum: number;
  read(): Promise<Float32Array>;
  write(values: Float32Array<ArrayBuffer>): void;
}

export interface ContrastiveState {
  queue?: QueueLike;
  banks?: Record<string, BankLike>;
}

const NAME = /^[A-Za-z0-9_]+$/;

/** Read the queue and banks back from the GPU and serialise them. */
export async function saveContrastiveState(s: ContrastiveState): Promise<Uint8Array<ArrayBuffer>> {
  const items: [string, SafetensorsInput][] = [];
  const meta: Record<string, string> = { format: 'sscl-contrastive' };
  if (s.queue) {
    items.push(['queue.keys', { dtype: 'F32', shape: [s.queue.size, s.queue.dim], data: await s.queue.read() }]);
    items.push(['queue.ptr', { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(s.queue.ptr)) }]);
  }
  for (const [name, bank] of Object.entries(s.banks ?? {})) {
    if (!NAME.test(name)) throw new InvalidArgumentError(`bank name '${name}' must be letters, digits or _`);
    items.push([`bank.${name}.features`, { dtype: 'F32', shape: [bank.size, bank.dim], data: await bank.read() }]);
    meta[`bank.${name}.momentum`] = String(bank.momentum);
  }
  return serializeSafetensors(items, meta);
}

/** Write a saved state back into `s`'s queue and banks (shapes must match; missing entries throw). */
export function loadContrastiveState(s: ContrastiveState, bytes: Uint8Array): void {
  const f = parseSafetensors(bytes);
  const want = (name: string, shape: number[]): Float32Array => {
    if (!f.has(name)) throw new SafetensorsError(`tensor '${name}': missing from the contrastive checkpoint`, name);
    const e = f.entry(name);
    if (e.dtype !== 'F32' || e.shape.join() !== shape.join()) throw new SafetensorsError(`tensor '${name}': ${e.dtype} [${e.shape}] but this run has F32 [${shape}]`, name);
    return f.float32(name);
  };
  if (s.queue) {
    const q = s.queue;
    const keys = want('queue.keys', [q.size, q.dim]);
    if (!f.has('queue.ptr') || f.entry('queue.ptr').dtype !== 'I64') throw new SafetensorsError("tensor 'queue.ptr': missing or not I64", 'queue.ptr');
    const ptr = Number((f.typed('queue.ptr') as BigInt64Array)[0]);
    if (!(ptr >= 0 && ptr < q.size)) throw new SafetensorsError(`tensor 'queue.ptr': ${ptr} outside [0, ${q.size})`, 'queue.ptr');
    q.write(keys as Float32Array<ArrayBuffer>);
    q.ptr = ptr;
  }
  for (const [name, bank] of Object.entries(s.banks ?? {})) bank.write(want(`bank.${name}.features`, [bank.size, bank.dim]) as Float32Array<ArrayBuffer>);
}
