// SSCL checkpoints: ONE safetensors file (torch's `safetensors.torch.load_file` reads it) holding the whole
// run state, with the options and counters as JSON metadata:
//   <video|audio>.<query|key>.<state_dict name>   encoders + heads and momentum encoders (torch names; models
//                                                 without saveState: <..>.param.<i> / <..>.buffer.<i>)
//   optim.momentum.<i>                            SGD momentum buffer of parameter i (video params, then audio)
//   queue.<video|audio>.keys (K, D) F32, queue.<m>.ptr () I64
//   bank.<video|audio>.features (N, D) F32        (negatives 'bank' only)
//   __metadata__: format 'sscl-checkpoint', version '1', options (JSON), step, sdk
// RNG state is not stored because there is none to store: every draw is a function of (seed, step).
import { CheckpointError } from '../../errors.ts';
import { parseSafetensors, serializeSafetensors, type SafetensorsFile, type SafetensorsInput } from '../../models/safetensors.ts';
import { VERSION } from '../../version.ts';
import { resolveOptions, totalSteps, type Modality, type ResolvedOptions, type SsclEncoder, type TrainerOptions } from './options.ts';
import type { SsclState } from './step.ts';
import type { Tensor } from '../../tensor/tensor.ts';

const FORMAT = 'sscl-checkpoint';
const FORMAT_VERSION = '1';
const MODALITIES: Modality[] = ['video', 'audio'];
const ROLES = ['query', 'key'] as const;

export interface DecodedCheckpoint {
  options: ResolvedOptions;
  /** The options as createTrainer takes them (without device, encoders and dataset objects). */
  rawOptions: Record<string, unknown>;
  step: number;
  file: SafetensorsFile;
}

type Item = [string, SafetensorsInput];

async function modelItems(prefix: string, m: SsclEncoder, items: Item[]): Promise<void> {
  if (typeof m.saveState === 'function' && typeof m.loadState === 'function') {
    const f = parseSafetensors(await m.saveState());
    for (const e of f.entries) items.push([`${prefix}.${e.name}`, { dtype: e.dtype, shape: e.shape, data: f.typed(e.name) }]);
    return;
  }
  const params = m.parameters();
  for (let i = 0; i < params.length; i++) items.push([`${prefix}.param.${i}`, { dtype: 'F32', shape: params[i].shape, data: await params[i].toArray() }]);
  const bufs = typeof m.buffers === 'function' ? m.buffers() : [];
  for (let i = 0; i < bufs.length; i++) items.push([`${prefix}.buffer.${i}`, { dtype: 'F32', shape: bufs[i].shape, data: await bufs[i].toArray() }]);
}

/** The run state as safetensors bytes (reads every GPU buffer back). */
export async function encodeCheckpoint(o: ResolvedOptions, step: number, st: SsclState): Promise<Uint8Array<ArrayBuffer>> {
  const items: Item[] = [];
  for (const m of MODALITIES) for (const r of ROLES) await modelItems(`${m}.${r}`, st.models[m][r], items);
  for (let i = 0; i < st.opt.params.length; i++) {
    const b = st.opt.momentumBuffer(i);
    if (b) items.push([`optim.momentum.${i}`, { dtype: 'F32', shape: b.shape, data: await b.toArray() }]);
  }
  for (const m of MODALITIES) {
    const q = st.queues[m];
    items.push([`queue.${m}.keys`, { dtype: 'F32', shape: [q.size, q.dim], data: await q.read() }]);
    items.push([`queue.${m}.ptr`, { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(q.ptr)) }]);
    const b = st.banks?.[m];
    if (b) items.push([`bank.${m}.features`, { dtype: 'F32', shape: [b.size, b.dim], data: await b.read() }]);
  }
  return serializeSafetensors(items, { format: FORMAT, version: FORMAT_VERSION, options: JSON.stringify(o), step: String(step), sdk: VERSION });
}

/** Parses and validates the container and its metadata (the tensors are checked when restored). */
export function decodeCheckpoint(bytes: Uint8Array): DecodedCheckpoint {
  if (!(bytes instanceof Uint8Array)) throw new CheckpointError(`loadCheckpoint: expected the Uint8Array from trainer.saveCheckpoint(), got ${bytes === null ? 'null' : typeof bytes}`);
  let file: SafetensorsFile;
  try {
    file = parseSafetensors(bytes);
  } catch (e) {
    throw new CheckpointError(`not a readable SSCL checkpoint (${bytes.length} bytes): ${(e as Error).message}`, { cause: e });
  }
  const meta = file.metadata;
  if (!meta || meta.format !== FORMAT) throw new CheckpointError(`not an SSCL checkpoint: metadata format is ${JSON.stringify(meta?.format ?? null)}, expected '${FORMAT}' (a model state dict loads with model.loadState instead)`);
  if (meta.version !== FORMAT_VERSION) throw new CheckpointError(`checkpoint format version ${JSON.stringify(meta.version)} is not supported by this SDK (reads version ${FORMAT_VERSION}); written by sscl-sdk ${meta.sdk ?? '?'}`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(meta.options ?? '');
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not an object');
  } catch (e) {
    throw new CheckpointError(`checkpoint metadata 'options' is not a JSON object: ${(e as Error).message}`, { cause: e });
  }
  const { customEncoders, ...rest } = raw;
  let options: ResolvedOptions;
  try {
    const ds = rest.dataset as { kind?: string } | undefined;
    // the stored dataset spec validates as is; a custom dataset is checked when the caller passes it
    options = resolveOptions({ ...(rest as unknown as TrainerOptions), device: {} as TrainerOptions['device'], dataset: ds?.kind === 'custom' ? { length: 1e6, batch: async () => ({}) } as never : (ds as TrainerOptions['dataset']), maxLoss: rest.maxLoss === null ? Infinity : (rest.maxLoss as number) });
    options = { ...options, dataset: ds?.kind === 'custom' ? { kind: 'custom' } : options.dataset, customEncoders: customEncoders === true };
  } catch (e) {
    throw new CheckpointError(`checkpoint options are invalid: ${(e as Error).message}`, { cause: e });
  }
  const step = Number(meta.step);
  if (!Number.isSafeInteger(step) || step < 0 || step > totalSteps(options)) throw new CheckpointError(`checkpoint step ${JSON.stringify(meta.step)} is not an integer in [0, ${totalSteps(options)}]`);
  rest.maxLoss = options.maxLoss; // JSON writes Infinity as null
  return { options, rawOptions: rest, step, file };
}

function need(f: SafetensorsFile, name: string, dtype: string, shape: readonly number[]): void {
  if (!f.has(name)) throw new CheckpointError(`checkpoint tensor '${name}' is missing`);
  const e = f.entry(name);
  if (e.dtype !== dtype || e.shape.join() !== shape.join()) throw new CheckpointError(`checkpoint tensor '${name}' is ${e.dtype} [${e.shape}] but this run needs ${dtype} [${shape}]`);
}

function restoreModel(f: SafetensorsFile, prefix: string, m: SsclEncoder): void {
  if (typeof m.saveState === 'function' && typeof m.loadState === 'function') {
    const sub: Item[] = f.entries.filter((e) => e.name.startsWith(`${prefix}.`)).map((e) => [e.name.slice(prefix.length + 1), { dtype: e.dtype, shape: e.shape, data: f.typed(e.name) }]);
    if (!sub.length) throw new CheckpointError(`checkpoint has no tensors for the ${prefix} encoder ('${prefix}.*')`);
    try {
      m.loadState(serializeSafetensors(sub, { format: 'pt' }));
    } catch (e) {
      throw new CheckpointError(`the ${prefix} encoder state in the checkpoint does not fit this encoder (other preset or architecture?): ${(e as Error).message}`, { cause: e });
    }
    return;
  }
  const put = (name: string, t: Tensor): void => {
    need(f, name, 'F32', t.shape);
    t.ctx.upload(t.buffer, f.float32(name));
  };
  m.parameters().forEach((p, i) => put(`${prefix}.param.${i}`, p));
  (typeof m.buffers === 'function' ? m.buffers() : []).forEach((b, i) => put(`${prefix}.buffer.${i}`, b));
}

/** Writes a decoded checkpoint into a freshly built run state of the same options. */
export async function restoreCheckpoint(ck: DecodedCheckpoint, st: SsclState): Promise<void> {
  const f = ck.file;
  try {
    for (const m of MODALITIES) for (const r of ROLES) restoreModel(f, `${m}.${r}`, st.models[m][r]);
    const n = st.opt.params.length;
    for (const e of f.entries) {
      const mm = /^optim\.momentum\.(\d+)$/.exec(e.name);
      if (mm && Number(mm[1]) >= n) throw new CheckpointError(`checkpoint tensor '${e.name}': the optimizer has only ${n} parameters`);
    }
    for (let i = 0; i < n; i++) {
      const name = `optim.momentum.${i}`;
      if (!f.has(name)) {
        st.opt.setMomentumBuffer(i, null);
        continue;
      }
      need(f, name, 'F32', st.opt.params[i].shape);
      st.opt.setMomentumBuffer(i, f.float32(name));
    }
    for (const m of MODALITIES) {
      const q = st.queues[m];
      need(f, `queue.${m}.keys`, 'F32', [q.size, q.dim]);
      need(f, `queue.${m}.ptr`, 'I64', []);
      const ptr = Number((f.typed(`queue.${m}.ptr`) as BigInt64Array)[0]);
      if (!(Number.isInteger(ptr) && ptr >= 0 && ptr < q.size)) throw new CheckpointError(`checkpoint tensor 'queue.${m}.ptr' = ${ptr} is outside [0, ${q.size})`);
      q.write(f.float32(`queue.${m}.keys`), ptr);
      const b = st.banks?.[m];
      if (b) {
        need(f, `bank.${m}.features`, 'F32', [b.size, b.dim]);
        b.write(f.float32(`bank.${m}.features`));
      }
    }
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`checkpoint could not be restored: ${(e as Error).message}`, { cause: e });
  }
}
