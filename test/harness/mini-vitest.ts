// A small implementation of the part of vitest's API our tests use (describe/it/expect/hooks), so the very
// same test files run under Deno (import map: "vitest" -> this file) and in Chromium (import map in the
// runner page). Node runs the files under real vitest. Keep the two in agreement: anything a test file
// imports from 'vitest' must exist here.

type Fn = () => unknown | Promise<unknown>;
interface TestCase { name: string; fn: Fn; skip: boolean; timeout: number; file: string }
interface Suite { name: string; tests: TestCase[]; suites: Suite[]; beforeAll: Fn[]; afterAll: Fn[]; beforeEach: Fn[]; afterEach: Fn[]; skip: boolean }

const root = (): Suite => ({ name: '', tests: [], suites: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [], skip: false });
let top = root();
let current = top;
let currentFile = '';
const DEFAULT_TIMEOUT = 120_000;

/** @internal Runner API: start collecting the tests of one file. */
export function __beginFile(file: string): void {
  currentFile = file;
  const s = root();
  s.name = file;
  top.suites.push(s);
  current = s;
}

function addSuite(name: string, body: () => void, skip: boolean): void {
  const s = root();
  s.name = name;
  s.skip = skip || current.skip;
  const parent = current;
  parent.suites.push(s);
  current = s;
  try {
    body();
  } finally {
    current = parent;
  }
}

type DescribeFn = ((name: string, body: () => void) => void) & {
  skip: (name: string, body: () => void) => void;
  skipIf: (cond: unknown) => (name: string, body: () => void) => void;
};
export const describe: DescribeFn = Object.assign((name: string, body: () => void) => addSuite(name, body, false), {
  skip: (name: string, body: () => void) => addSuite(name, body, true),
  skipIf: (cond: unknown) => (name: string, body: () => void) => addSuite(name, body, !!cond),
});

type Opts = number | { timeout?: number } | undefined;
function addTest(name: string, fn: Fn, opts: Opts, skip: boolean): void {
  const timeout = typeof opts === 'number' ? opts : opts?.timeout ?? DEFAULT_TIMEOUT;
  current.tests.push({ name, fn, skip: skip || current.skip, timeout, file: currentFile });
}
type ItFn = ((name: string, fn: Fn, opts?: Opts) => void) & {
  skip: (name: string, fn: Fn, opts?: Opts) => void;
  skipIf: (cond: unknown) => (name: string, fn: Fn, opts?: Opts) => void;
  runIf: (cond: unknown) => (name: string, fn: Fn, opts?: Opts) => void;
};
export const it: ItFn = Object.assign((name: string, fn: Fn, opts?: Opts) => addTest(name, fn, opts, false), {
  skip: (name: string, fn: Fn, opts?: Opts) => addTest(name, fn, opts, true),
  skipIf: (cond: unknown) => (name: string, fn: Fn, opts?: Opts) => addTest(name, fn, opts, !!cond),
  runIf: (cond: unknown) => (name: string, fn: Fn, opts?: Opts) => addTest(name, fn, opts, !cond),
});
export const test = it;
export const beforeAll = (fn: Fn): void => void current.beforeAll.push(fn);
export const afterAll = (fn: Fn): void => void current.afterAll.push(fn);
export const beforeEach = (fn: Fn): void => void current.beforeEach.push(fn);
export const afterEach = (fn: Fn): void => void current.afterEach.push(fn);

// ---- expect -------------------------------------------------------------------------------------------

class AssertionError extends Error {
  override name = 'AssertionError';
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<unknown>).length})`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  if (a instanceof Map || a instanceof Set) return deepEqual([...a], [...(b as Map<unknown, unknown>)]);
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function matchesError(err: unknown, expected: unknown): boolean {
  if (expected === undefined) return true;
  const msg = err instanceof Error ? err.message : String(err);
  if (typeof expected === 'string') return msg.includes(expected);
  if (expected instanceof RegExp) return expected.test(msg);
  if (typeof expected === 'function') return err instanceof (expected as new (...a: never[]) => unknown);
  return false;
}

function makeMatchers(actual: unknown, negate: boolean) {
  const check = (pass: boolean, msg: string): void => {
    if (pass === negate) throw new AssertionError(negate ? `expected not: ${msg}` : msg);
  };
  const num = (v: unknown): number => v as number;
  return {
    toBe: (e: unknown) => check(Object.is(actual, e), `${show(actual)} to be ${show(e)}`),
    toEqual: (e: unknown) => check(deepEqual(actual, e), `${show(actual)} to equal ${show(e)}`),
    toStrictEqual: (e: unknown) => check(deepEqual(actual, e), `${show(actual)} to strictly equal ${show(e)}`),
    toBeCloseTo: (e: number, digits = 2) => check(Math.abs(num(actual) - e) < 10 ** -digits / 2, `${show(actual)} to be close to ${e} (${digits} digits)`),
    toBeGreaterThan: (e: number) => check(num(actual) > e, `${show(actual)} > ${e}`),
    toBeGreaterThanOrEqual: (e: number) => check(num(actual) >= e, `${show(actual)} >= ${e}`),
    toBeLessThan: (e: number) => check(num(actual) < e, `${show(actual)} < ${e}`),
    toBeLessThanOrEqual: (e: number) => check(num(actual) <= e, `${show(actual)} <= ${e}`),
    toBeTruthy: () => check(!!actual, `${show(actual)} to be truthy`),
    toBeFalsy: () => check(!actual, `${show(actual)} to be falsy`),
    toBeNull: () => check(actual === null, `${show(actual)} to be null`),
    toBeDefined: () => check(actual !== undefined, `value to be defined`),
    toBeUndefined: () => check(actual === undefined, `${show(actual)} to be undefined`),
    toBeNaN: () => check(Number.isNaN(actual), `${show(actual)} to be NaN`),
    toBeInstanceOf: (c: new (...a: never[]) => unknown) => check(actual instanceof c, `${show(actual)} to be an instance of ${c.name}`),
    toBeTypeOf: (t: string) => check(typeof actual === t, `${show(actual)} to be of type ${t}`),
    toContain: (e: unknown) => check((actual as { includes(x: unknown): boolean }).includes(e), `${show(actual)} to contain ${show(e)}`),
    toMatch: (e: RegExp | string) => check(typeof e === 'string' ? String(actual).includes(e) : e.test(String(actual)), `${show(actual)} to match ${String(e)}`),
    toHaveLength: (n: number) => check((actual as { length: number }).length === n, `${show(actual)} to have length ${n}`),
    toHaveProperty: (k: string) => check(actual != null && k in (actual as object), `${show(actual)} to have property ${k}`),
    toThrow: (e?: unknown) => {
      let threw = false;
      let err: unknown;
      try {
        (actual as () => unknown)();
      } catch (x) {
        threw = true;
        err = x;
      }
      check(threw && matchesError(err, e), threw ? `error ${show(err)} to match ${show(e)}` : `function to throw`);
    },
  };
}
type Matchers = ReturnType<typeof makeMatchers>;
type AsyncMatchers = { [K in keyof Matchers]: (...a: Parameters<Matchers[K]>) => Promise<void> };

function asyncMatchers(p: unknown, mode: 'rejects' | 'resolves', negate: boolean): AsyncMatchers {
  const out = {} as Record<string, (...a: unknown[]) => Promise<void>>;
  for (const key of Object.keys(makeMatchers(undefined, false))) {
    out[key] = async (...args: unknown[]) => {
      let value: unknown;
      let rejected = false;
      try {
        value = await p;
      } catch (e) {
        rejected = true;
        value = e;
      }
      if (mode === 'rejects' && !rejected) throw new AssertionError(`promise resolved with ${show(value)}, expected it to reject`);
      if (mode === 'resolves' && rejected) throw new AssertionError(`promise rejected with ${show(value)}`);
      const subject = mode === 'rejects' && key === 'toThrow' ? () => { throw value; } : value;
      (makeMatchers(subject, negate) as unknown as Record<string, (...a: unknown[]) => void>)[key](...args);
    };
  }
  return out as unknown as AsyncMatchers;
}

export function expect(actual: unknown): Matchers & { not: Matchers; rejects: AsyncMatchers & { not: AsyncMatchers }; resolves: AsyncMatchers } {
  return Object.assign(makeMatchers(actual, false), {
    not: makeMatchers(actual, true),
    rejects: Object.assign(asyncMatchers(actual, 'rejects', false), { not: asyncMatchers(actual, 'rejects', true) }),
    resolves: asyncMatchers(actual, 'resolves', false),
  });
}

// ---- runner ---------------------------------------------------------------------------------------------

export interface Result { file: string; name: string; state: 'pass' | 'fail' | 'skip'; error?: string; ms: number }

async function withTimeout(fn: Fn, ms: number, name: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(fn),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`test '${name}' timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function hasRunnable(s: Suite): boolean {
  return s.tests.some((t) => !t.skip) || s.suites.some(hasRunnable);
}

/** @internal Runs everything registered; `report` is called after each test. */
export async function __run(report: (r: Result) => void = () => {}): Promise<Result[]> {
  const results: Result[] = [];
  const now = () => (globalThis.performance ?? Date).now();
  async function runSuite(s: Suite, path: string[], each: { before: Fn[]; after: Fn[] }): Promise<void> {
    const runnable = hasRunnable(s);
    let setupError: unknown;
    if (runnable) {
      for (const h of s.beforeAll) {
        try {
          await withTimeout(h, DEFAULT_TIMEOUT, `${path.join(' > ')} beforeAll`);
        } catch (e) {
          setupError = e;
          break;
        }
      }
    }
    const before = [...each.before, ...s.beforeEach];
    const after = [...s.afterEach, ...each.after];
    for (const t of s.tests) {
      const name = [...path, t.name].filter(Boolean).join(' > ');
      const t0 = now();
      let r: Result;
      if (t.skip) r = { file: t.file, name, state: 'skip', ms: 0 };
      else if (setupError) r = { file: t.file, name, state: 'fail', error: `beforeAll failed: ${errText(setupError)}`, ms: 0 };
      else {
        try {
          for (const h of before) await h();
          await withTimeout(t.fn, t.timeout, name);
          for (const h of after) await h();
          r = { file: t.file, name, state: 'pass', ms: now() - t0 };
        } catch (e) {
          r = { file: t.file, name, state: 'fail', error: errText(e), ms: now() - t0 };
        }
      }
      results.push(r);
      report(r);
    }
    for (const c of s.suites) await runSuite(c, [...path, c.name], { before, after });
    if (runnable) for (const h of s.afterAll) await h();
  }
  for (const fileSuite of top.suites) await runSuite(fileSuite, [], { before: [], after: [] });
  top = root();
  current = top;
  return results;
}

function errText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  return String(e);
}

/** @internal One line per test, then the closing count line CI reads: '<runtime>: N passed, N failed, N skipped'. */
export function __summary(runtime: string, results: Result[]): { text: string; failed: number } {
  const passed = results.filter((r) => r.state === 'pass').length;
  const failed = results.filter((r) => r.state === 'fail').length;
  const skipped = results.filter((r) => r.state === 'skip').length;
  return { text: `${runtime}: ${passed} passed, ${failed} failed, ${skipped} skipped`, failed };
}

export function __formatResult(r: Result): string {
  const mark = r.state === 'pass' ? '✓' : r.state === 'skip' ? '↓' : '✗';
  const line = `  ${mark} ${r.file} > ${r.name}${r.state === 'pass' ? ` (${Math.round(r.ms)} ms)` : ''}`;
  return r.error ? `${line}\n      ${r.error.replace(/\n/g, '\n      ')}` : line;
}
