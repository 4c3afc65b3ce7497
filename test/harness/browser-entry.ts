// Runs inside the Chromium runner page: imports the test files named in window.__SSCL_TEST_FILES, runs them
// with mini-vitest and hands each result to the Node side through console lines prefixed '@@sscl '.
import { __beginFile, __run } from './mini-vitest.ts';

const w = globalThis as unknown as { __SSCL_TEST_FILES: string[]; __SSCL_DONE?: boolean };
(globalThis as { __SSCL_TEST_RUNTIME?: string }).__SSCL_TEST_RUNTIME = 'browser';
const emit = (obj: unknown) => console.log(`@@sscl ${JSON.stringify(obj)}`);
try {
  for (const f of w.__SSCL_TEST_FILES) {
    __beginFile(f);
    try {
      await import(`/${f.replace(/\.ts$/, '.js')}`);
    } catch (e) {
      emit({ type: 'result', result: { file: f, name: '(import)', state: 'fail', error: String((e as Error)?.stack ?? e), ms: 0 } });
    }
  }
  await __run((r) => emit({ type: 'result', result: r }));
} catch (e) {
  emit({ type: 'fatal', error: String((e as Error)?.stack ?? e) });
}
emit({ type: 'done' });
w.__SSCL_DONE = true;
