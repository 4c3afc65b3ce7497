#!/usr/bin/env node
// The `sscl` command. `sscl info [--json]` reports the runtime, adapter and WASM build after self-tests;
// `sscl train` trains SSCL (./train.ts).
import { formatInfo, info } from '../info.ts';
import { VERSION } from '../version.ts';
import { nodeBuiltin, nodeProcess } from '../runtime.ts';
import { trainCommand, TRAIN_USAGE } from './train.ts';

const USAGE = `usage: sscl <command> [options]

commands:
  info [--json]   runtime, WebGPU adapter, limits and WASM build, after running a GPU and a WASM self-test
${TRAIN_USAGE}
  --version       print the version`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--version' || cmd === '-v') {
    console.log(VERSION);
    return 0;
  }
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(USAGE);
    return cmd === undefined ? 1 : 0;
  }
  if (cmd === 'info') {
    const unknown = rest.filter((a) => a !== '--json');
    if (unknown.length) {
      console.error(`sscl info: unknown option ${unknown[0]}\n\n${USAGE}`);
      return 2;
    }
    const result = await info();
    console.log(rest.includes('--json') ? JSON.stringify(result, null, 2) : formatInfo(result));
    return result.selfTest === 'ok' ? 0 : 1;
  }
  if (cmd === 'train') return trainCommand(rest, USAGE);
  console.error(`sscl: unknown command '${cmd}'\n\n${USAGE}`);
  return 2;
}

const proc = nodeProcess() as { argv: string[]; exit(code: number): never } | undefined;
if (proc && isMainModule(proc.argv[1])) {
  main(proc.argv.slice(2)).then((code) => proc.exit(code), (e) => {
    console.error(e instanceof Error ? e.message : e);
    proc.exit(1);
  });
}

/** True when Node was started with this file as its script (directly or through the npm bin link). */
function isMainModule(script: string | undefined): boolean {
  if (!script || !import.meta.url.startsWith('file:')) return false;
  const fs = nodeBuiltin<{ realpathSync(p: string | URL): string }>('fs');
  try {
    return fs.realpathSync(script) === fs.realpathSync(new URL(import.meta.url));
  } catch {
    return false;
  }
}
