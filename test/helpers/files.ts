// Reads a file of the repository (fixtures, built wasm, package.json) in every runtime: Node's fs, Deno's
// Deno.readFile, fetch in the browser (the Chromium runner serves the source tree at its own paths).
const g = globalThis as unknown as {
  Deno?: { readFile(p: URL): Promise<Uint8Array<ArrayBuffer>> };
  process?: { versions?: { node?: string }; getBuiltinModule?(id: string): unknown };
};

export function repoUrl(path: string): URL {
  return new URL(`../../${path}`, import.meta.url);
}

export async function readRepoFile(path: string): Promise<Uint8Array<ArrayBuffer>> {
  const url = repoUrl(path);
  if (g.Deno) return g.Deno.readFile(url);
  if (g.process?.versions?.node && url.protocol === 'file:') {
    const fs = g.process.getBuiltinModule!('fs') as { readFileSync(p: URL): Uint8Array };
    return new Uint8Array(fs.readFileSync(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`readRepoFile(${path}): HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export async function readRepoJson<T = unknown>(path: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await readRepoFile(path))) as T;
}
