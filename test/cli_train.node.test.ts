// Node-only: spawns the built `sscl` binary (dist/cli/sscl.js), which only exists for Node. A very short
// `sscl train` run (tiny preset, 2 steps of batch 4, 8 test clips, JSON lines), then --resume of its
// checkpoint (already at the end: no steps, same evaluation), and usage errors with exit code 2.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli/sscl.js', ...args], { cwd: root, encoding: 'utf8', timeout: 900_000 });

describe('sscl train (built dist/)', () => {
  it('usage errors exit with code 2 and say what is wrong', () => {
    for (const [args, re] of [
      [['train', '--steps', '0'], /--steps needs an integer >= 1/],
      [['train', '--preset', 'huge'], /--preset must be tiny, small or paper/],
      [['train', '--frobnicate'], /unknown option --frobnicate/],
      [['train', '--resume', 'x.safetensors', '--steps', '4'], /--resume continues/],
      [['train', '--resume', 'x.safetensors', '--batch-negatives'], /--resume continues/],
      [['train', '--steps', '3', '--stages', '2'], /multiple of --stages/],
      [['train', '--first-teacher', 'smell'], /--first-teacher must be video or audio/],
      [['train', '--self-steps', '0', '--transfer-steps', '0'], /both 0/],
      [['train', '--steps', '5', '--self-steps', '2', '--transfer-steps', '2'], /--steps 5 disagrees/],
      [['train', '--resume', 'x.safetensors', '--first-teacher', 'audio'], /--resume continues/],
    ] as const) {
      const r = cli(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(re);
    }
    const h = cli('--help');
    expect(h.stdout).toMatch(/train \[--preset tiny\|small\|paper\]/);
    const th = cli('train', '--help');
    expect(th.status).toBe(0);
    expect(th.stdout).toMatch(/usage: sscl train[\s\S]*--resume FILE/);
  });

  it('a 2-step run prints JSON step lines, evaluates, writes a checkpoint that --resume loads', () => {
    const out = mkdtempSync(join(tmpdir(), 'sscl-train-'));
    try {
      const r = cli('train', '--steps', '2', '--batch', '4', '--stages', '1', '--eval-size', '8', '--no-baseline', '--json', '--out', out, '--seed', '3');
      if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr.slice(-2000)}`);
      const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      const steps = lines.filter((l) => l.type === 'step');
      expect(steps.map((s) => [s.stage, s.phase, s.teacher, s.step])).toEqual([[1, 'self-instance', 'video', 0], [1, 'transfer', 'video', 1]]);
      for (const s of steps) expect(Number.isFinite(s.loss) && s.ms > 0).toBe(true);
      const ev = lines.find((l) => l.type === 'eval' && l.which === 'trained');
      expect(ev.retrieval.n).toBe(8);
      expect(ev.retrieval.chance.r1).toBe(1 / 8);
      expect(ev.probe.video.accuracy).toBeGreaterThanOrEqual(0);
      expect([ev.views.audio.n, ev.views.video.n, ev.views.audio.chance.r10]).toEqual([8, 8, 1]);
      const ck = join(out, 'checkpoint.safetensors');
      expect(existsSync(ck)).toBe(true);
      const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
      expect(result.steps).toBe(2);
      const again = cli('train', '--resume', ck, '--eval-size', '8', '--json', '--out', out);
      if (again.status !== 0) throw new Error(`resume exit ${again.status}: ${again.stderr.slice(-2000)}`);
      const start = JSON.parse(again.stdout.split('\n').find((l) => l.includes('"type":"start"'))!);
      expect(start.step).toBe(2);
      expect(again.stdout).not.toMatch(/"type":"step"/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 1_200_000);
});
