// The pieces of the worker boundary that need no worker: error (de)serialisation, transfer marks, and the
// Node flags a worker thread inherits.
import { describe, expect, it } from 'vitest';
import * as errors from '../../src/errors.ts';
import { SsclError, InvalidWavError, InvalidAudioError, WasmLoadError, WorkerError } from '../../src/errors.ts';
import { deserializeError, serializeError, takeMoves, workerTransfer } from '../../src/worker/wire.ts';
import { workerExecArgv } from '../../src/worker/spawn.ts';

/** What a structured clone does to the wire form (plain data only). */
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('worker wire format', () => {
  it('every SsclError class exported by errors.ts comes back as itself with name, code and message', () => {
    const classes = Object.values(errors).filter((v): v is typeof SsclError => typeof v === 'function' && (v === SsclError || v.prototype instanceof SsclError));
    expect(classes.length).toBeGreaterThanOrEqual(9);
    for (const C of classes) {
      const original = C === SsclError ? new SsclError('SOME_CODE', `a ${C.name}`) : new (C as unknown as new (m: string) => SsclError)(`a ${C.name}`);
      const back = deserializeError(clone(serializeError(original))) as SsclError;
      expect(back).toBeInstanceOf(C);
      expect(back).toBeInstanceOf(Error);
      expect(back.constructor).toBe(C);
      expect(back.name).toBe(original.name);
      expect(back.name).toBe(C.name);
      expect(back.code).toBe(original.code);
      expect(back.message).toBe(original.message);
      expect(Object.prototype.toString.call(back)).toBe('[object Error]'); // a real Error object
    }
  });

  it('a subclass keeps its superclass and a custom code; causes come along (3 levels)', () => {
    const e = new InvalidWavError('truncated');
    const back = deserializeError(clone(serializeError(e)));
    expect(back).toBeInstanceOf(InvalidAudioError);
    expect((back as SsclError).code).toBe('INVALID_WAV');
    const custom = deserializeError(clone(serializeError(new InvalidAudioError('odd', 'INVALID_AUDIO_RATE')))) as SsclError;
    expect(custom.code).toBe('INVALID_AUDIO_RATE');

    const inner = new RangeError('deep');
    const w = deserializeError(clone(serializeError(new WasmLoadError('outer', { cause: new WorkerError('mid', 'WORKER_FAILED', { cause: inner }) }))));
    expect(w).toBeInstanceOf(WasmLoadError);
    const mid = w.cause as WorkerError;
    expect(mid).toBeInstanceOf(WorkerError);
    expect(mid.code).toBe('WORKER_FAILED');
    expect(mid.cause).toBeInstanceOf(RangeError);
    expect((mid.cause as Error).message).toBe('deep');
  });

  it('built-in errors keep their class; unknown names keep their name (SsclError when they carry a code)', () => {
    expect(deserializeError(clone(serializeError(new TypeError('t'))))).toBeInstanceOf(TypeError);
    const dom = deserializeError({ name: 'DataCloneError', message: 'x' });
    expect(dom.name).toBe('DataCloneError');
    expect(dom).toBeInstanceOf(Error);
    expect(dom).not.toBeInstanceOf(SsclError);
    const later = deserializeError({ name: 'ShapeMismatchError', message: 'y', code: 'SHAPE' }) as SsclError;
    expect(later).toBeInstanceOf(SsclError);
    expect(later.name).toBe('ShapeMismatchError');
    expect(later.code).toBe('SHAPE');
  });

  it('a thrown non-Error becomes an Error that shows the value', () => {
    const e = deserializeError(clone(serializeError('boom')));
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toContain('"boom"');
  });

  it('workerTransfer marks buffers once per value, each buffer once', () => {
    const a = new Float32Array(4);
    const b = new Float32Array(a.buffer, 4, 2); // same buffer
    const o = { x: 1 };
    workerTransfer(a);
    workerTransfer(b);
    workerTransfer(o, []);
    const moves = takeMoves([a, b, o, 3, null]);
    expect(moves).toHaveLength(1);
    expect(moves[0]).toBe(a.buffer);
    expect(takeMoves([a, b])).toHaveLength(0); // consumed
  });

  it("a Node worker thread does not inherit the parent's entry-point flags", () => {
    expect(workerExecArgv(['--input-type=module', '-e', 'code', '--max-old-space-size=4096'])).toEqual(['--max-old-space-size=4096']);
    expect(workerExecArgv(['--input-type', 'module', '--eval', 'x', '--enable-source-maps', '-p', 'y'])).toEqual(['--enable-source-maps']);
    expect(workerExecArgv(['--conditions=development', '--print=1'])).toEqual(['--conditions=development']);
  });
});
