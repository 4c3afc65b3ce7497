// A worker script for test/worker/worker.test.ts that answers spawnWorker's init like the real entry
// (comlink's wire format, by hand) and then throws an uncaught error on the first call, so the test can
// check that a worker dying outside a call rejects waiting calls instead of leaving them hanging.
// Plain .mjs so that Node, Deno and the Chromium runner (which serves non-.js files from the source tree)
// all load it as is.
const port = globalThis.process?.getBuiltinModule?.('worker_threads')?.parentPort ?? null;
const post = (m) => (port ? port.postMessage(m) : globalThis.postMessage(m));
function onMessage(data) {
  if (data.type === 'APPLY' && data.path[0] === 'init') {
    const config = data.argumentList[0].value;
    post({ id: data.id, type: 'RAW', value: { ok: true, value: { version: config.version, methods: ['info'], threadRuntime: 'worker' } } });
    return;
  }
  throw new Error('crash-entry: deliberate uncaught error');
}
if (port) port.on('message', onMessage);
else globalThis.addEventListener('message', (ev) => onMessage(ev.data));
