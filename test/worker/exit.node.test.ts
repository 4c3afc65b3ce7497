// Node-only: whether a Node *process* exits (or hangs) with a worker thread can only be seen from outside
// it, by spawning `node` on the built package (dist/, after `npm run build`). Deno and browsers have no
// equivalent (their workers live until terminate(), as documented).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = new URL('../../dist/index.node.js', import.meta.url).href;

function runScript(body: string): { status: number | null; stdout: string; stderr: string; ms: number } {
  const code = `import { spawnWorker, SSCL_AUDIO } from ${JSON.stringify(dist)};\nconst x = new Float32Array(48000).map((_, i) => Math.sin(i / 10));\n${body}`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

describe('Node process lifetime with a worker (built dist/)', () => {
  it('terminate() ends the worker thread and the process exits', () => {
    const r = runScript('const w = await spawnWorker();\nconst m = await w.melSpectrogram(x, SSCL_AUDIO);\nawait w.terminate();\nconsole.log(`mel ${m.bands}x${m.frames}`);');
    expect(r.stderr.replace(/^Warning: maxDynamic.*\n?/gm, '')).toBe('');
    expect(r.stdout).toContain('mel 128x128');
    expect(r.status).toBe(0); // null when the 60 s timeout had to kill it
  });

  it('terminate() after the worker used WebGPU (Dawn in a worker thread) exits cleanly', () => {
    const r = runScript("const w = await spawnWorker();\nconst i = await w.info();\nawait w.terminate();\nconsole.log(`gpu ${i.gpuSelfTest} ${i.thread.kind}`);");
    expect(r.stdout).toContain('gpu ok worker_threads');
    expect(r.status).toBe(0);
  });

  it('an idle worker that was never terminated does not keep the process alive', () => {
    const r = runScript('const w = await spawnWorker();\nconst m = await w.melSpectrogram(x, SSCL_AUDIO);\nconsole.log(`mel ${m.bands}x${m.frames}`);');
    expect(r.stdout).toContain('mel 128x128');
    expect(r.status).toBe(0);
  });

  it('a waiting call keeps the process alive until its result arrives', () => {
    // Nothing awaits the call at top level: only the worker's ref keeps the event loop going.
    const r = runScript('spawnWorker().then((w) => { w.melSpectrogram(x, SSCL_AUDIO).then((m) => console.log(`late mel ${m.bands}x${m.frames}`)); });');
    expect(r.stdout).toContain('late mel 128x128');
    expect(r.status).toBe(0);
  });
});
