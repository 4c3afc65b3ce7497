// The TuxAV catalogue: Tux Paint's stamp collection (Debian package `tuxpaint-stamps-default`, GPL-2+)
// laid out as /usr/share/tuxpaint/stamps/<category>/.../<name>.png with, next to each picture,
// <name>_desc_<lang>.ogg (a person saying what it is, in that language; <name>_desc.ogg is English) and
// sometimes <name>.ogg (the object's own sound). SVG-only stamps are skipped (no SVG renderer).
import { DatasetAssetError, DatasetRuntimeError } from '../errors.ts';
import { listFiles } from '../io.ts';

export const TUXPAINT_ROOT = '/usr/share/tuxpaint/stamps';
export const TUXPAINT_PACKAGE = 'tuxpaint-stamps-default';
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

/** Scans the stamps directory once per root. */
export function loadCatalogue(root = TUXPAINT_ROOT): Catalogue {
  let c = cache.get(root);
  if (c) return c;
  const files = listFiles(root, INSTALL_HINT);
  if (files === null) throw new DatasetRuntimeError(`TuxAV reads ${root} from the file system, so it runs in Node and Deno only; in a browser use datasets.fromManifest with the files served over HTTP.`);
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
  c = { root, stamps, categories, languages };
  cache.set(root, c);
  return c;
}
