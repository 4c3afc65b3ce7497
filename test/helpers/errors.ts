// The error a call throws, for tests that inspect it (code, tensor name, message). Fails when the call
// returns, or, given a class, when the error is not an instance of it.
export function thrown<E extends Error = Error & { code?: string }>(fn: () => unknown, cls?: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    if (!cls || e instanceof cls) return e as E;
    throw new Error(`expected ${cls.name}, got ${String(e)}`);
  }
  throw new Error(cls ? `expected ${cls.name}, nothing thrown` : 'expected a throw, the call returned');
}
