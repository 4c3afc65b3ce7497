// The TuxAV catalogue: Tux Paint's stamp collection (Debian package `tuxpaint-stamps-default`, GPL-2+)
// laid out as /usr/share/tuxpaint/stamps/<category>/.../<name>.png with, next to each picture,
// <name>_desc_<lang>.ogg (a person saying what it is, in that language; <name>_desc.ogg is English) and
// sometimes <name>.ogg (the object's own sound). SVG-only stamps are skipped (no SVG renderer).
// Node and Deno list the directory; browsers (which cannot) take a file list instead, e.g. made with
//   (cd /usr/share/tuxpaint/stamps && find . -type f | sort) > tuxav-files.txt
// and the stamps directory served over HTTP next to it.
import { DatasetAssetError, DatasetRuntimeError } from '../errors.ts';
import { listFiles, readBytes } from '../io.ts';

export const TUXPAINT_ROOT = '/usr/share/tuxpaint/stamps';
export const TUXPAINT_PACKAGE = 'tuxpaint-stamps-default';
/** How to make the file list browsers need (also in docs/data.md). */
export const FILES_HINT =
  "make the stamps directory's file list with `(cd /usr/share/tuxpaint/stamps && find . -type f | sort) > tuxav-files.txt`, serve the directory over HTTP and pass `root` (its URL) and `files` (the list's URL, or the paths)";

export const INSTALL_HINT = `Install the Debian/Ubuntu package with \`sudo apt-get install ${TUXPAINT_PACKAGE}\` (or pass \`root\` pointing at a copy of its stamps directory).`;

export interface Stamp {
  /** Path without extension, relative to the root, e.g. 'animals/amphibians/frog'. */
  id: string;
  /** Top-level directory: 'animals', 'food', 'vehicles', ... */
  category: string;
  /** Spoken descriptions by language code ('en' for the untagged one). */
  speech: Map<string, string>;
  /** The object's own sound effect, if any. */
  effect: string | null;
}

export interface Catalogue {
  root: string;
  stamps: Stamp[];
  categories: string[];
  languages: string[];
}

const cache = new Map<string, Catalogue>();

/** Scans the stamps directory once per root (Node, Deno). */
export function loadCatalogue(root = TUXPAINT_ROOT): Catalogue {
  let c = cache.get(root);
  if (c) return c;
  const files = listFiles(root, INSTALL_HINT);
  if (files === null) throw new DatasetRuntimeError(`TuxAV cannot list ${root} in a browser: ${FILES_HINT}.`);
  c = catalogueFromFiles(root, files);
  cache.set(root, c);
  return c;
}

/**
 * The catalogue from a file list instead of a directory listing (browsers; also Node and Deno): `files` is
 * the paths relative to `root`, or the URL/path of a text file with one per line (`./` prefixes, blank
 * lines and `#` comments are ignored). Cached per (root, list URL).
 */
export async function loadCatalogueFromList(root: string, files: string | URL | string[]): Promise<Catalogue> {
  const key = typeof files === 'string' || files instanceof URL ? `${root}\n${String(files)}` : null;
  const hit = key === null ? undefined : cache.get(key);
  if (hit) return hit;
  let list: string[];
  if (Array.isArray(files)) list = files;
  else list = new TextDecoder().decode(await readBytes(files, 'the TuxAV file list', `Check the URL; ${FILES_HINT}.`)).split('\n');
  list = list.map((l) => l.trim().replace(/^\.\//, '')).filter((l) => l && !l.startsWith('#'));
  const c = catalogueFromFiles(root, [...new Set(list)].sort());
  if (key !== null) cache.set(key, c);
  return c;
}

/** Stamps (PNG with at least one spoken description) from the sorted file paths under `root`. */
export function catalogueFromFiles(root: string, files: string[]): Catalogue {
  const set = new Set(files);
  const speech = new Map<string, Map<string, string>>();
  for (const f of files) {
    const m = /^(.*)_desc(?:_([A-Za-z@_]+))?\.ogg$/.exec(f);
    if (!m) continue;
    const [, base, lang] = m;
    if (!speech.has(base)) speech.set(base, new Map());
    speech.get(base)!.set(lang ?? 'en', f);
  }
  const stamps: Stamp[] = [];
  for (const f of files) {
    if (!f.endsWith('.png')) continue;
    const id = f.slice(0, -4);
    const sp = speech.get(id);
    if (!sp || sp.size === 0) continue;
    stamps.push({ id, category: id.split('/')[0], speech: sp, effect: set.has(`${id}.ogg`) ? `${id}.ogg` : null });
  }
  if (stamps.length === 0) throw new DatasetAssetError(`${root}: no PNG stamps with spoken descriptions found. ${INSTALL_HINT}`);
  const categories = [...new Set(stamps.map((s) => s.category))].sort();
  const languages = [...new Set(stamps.flatMap((s) => [...s.speech.keys()]))].sort();
  return { root, stamps, categories, languages };
}
