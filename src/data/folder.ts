// "Your own data" as a folder, laid out the way the ffmpeg recipe in docs/data.md writes it:
//   clips/v1/0001.png 0002.png ...   clips/v1.wav        (or clips/v1/audio.wav)
//   clips/labels.json                {"v1": 3, ...}      (optional; evaluation labels)
// Every directory that directly holds frame images (.png, .jpg, .jpeg, sorted by name) and has its WAV next
// to it (same name + .wav) or inside it (audio.wav) is one entry. Node and Deno list the folder; browsers
// cannot list directories, so they get a DatasetRuntimeError that says to pass a manifest instead.
import { InvalidArgumentError } from '../errors.ts';
import { DatasetAssetError, DatasetRuntimeError } from './errors.ts';
import { listFiles, readBytes } from './io.ts';
import type { ManifestEntry } from './manifest.ts';

const FRAME = /\.(png|jpe?g)$/i;

/** A local folder as a path or file: URL -> its path (no trailing slash). */
function folderPath(folder: string | URL): string {
  const url = typeof folder !== 'string' ? folder : /^[a-z][a-z0-9+.-]+:/i.test(folder) ? new URL(folder) : null; // 'C:' is no scheme
  const u = url === null ? (folder as string) : url.protocol === 'file:' ? decodeURIComponent(url.pathname) : null;
  if (u === null) throw new InvalidArgumentError(`fromManifest: \`folder\` must be a local path or file: URL, got ${String(folder)}; for files served over HTTP write a manifest`);
  return u.replace(/\/+$/, '') || '/';
}

/** The entries of a folder of clips (see the header); `fps` is the frame rate of every clip's frames. */
export async function entriesOfFolder(folder: string | URL, fps: number): Promise<{ entries: ManifestEntry[]; base: URL }> {
  if (!(Number.isFinite(fps) && fps > 0)) throw new InvalidArgumentError(`fromManifest: \`folder\` needs \`fps\` > 0 (the frame rate the frames were extracted at), got ${fps}`);
  const root = folderPath(folder);
  const files = listFiles(root, 'Check the folder path.');
  if (files === null) throw new DatasetRuntimeError(`fromManifest: a browser cannot list the folder ${root}; pass \`manifest\` (a JSONL file) or \`entries\` instead (docs/data.md)`);
  const have = new Set(files);
  const frames = new Map<string, string[]>(); // directory -> its frame images
  for (const f of files) {
    const slash = f.lastIndexOf('/');
    if (slash < 0 || !FRAME.test(f)) continue;
    const dir = f.slice(0, slash);
    if (!frames.has(dir)) frames.set(dir, []);
    frames.get(dir)!.push(f);
  }
  const base = new URL(`file://${root === '/' ? '' : root}/`);
  let labels: Record<string, unknown> = {};
  if (have.has('labels.json')) {
    const text = new TextDecoder().decode(await readBytes(new URL('labels.json', base), 'labels.json', 'Check the folder.'));
    try {
      labels = JSON.parse(text) as Record<string, unknown>;
    } catch (cause) {
      throw new DatasetAssetError(`${root}/labels.json is not JSON (${String(cause)})`, { cause });
    }
  }
  const entries: ManifestEntry[] = [];
  for (const [dir, list] of [...frames].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const audio = have.has(`${dir}.wav`) ? `${dir}.wav` : have.has(`${dir}/audio.wav`) ? `${dir}/audio.wav` : null;
    if (audio === null) continue; // frames without a soundtrack are not an audio-visual clip
    const entry: ManifestEntry = { frames: list.sort(), fps, audio };
    const label = labels[dir];
    if (label !== undefined) {
      if (!Number.isInteger(label)) throw new DatasetAssetError(`${root}/labels.json: the label of "${dir}" must be an integer, got ${JSON.stringify(label)}`);
      entry.label = label as number;
    }
    entries.push(entry);
  }
  if (entries.length === 0) throw new DatasetAssetError(`fromManifest: no clips in ${root}: expected directories of frame images (.png/.jpg) each with a WAV next to it (<dir>.wav) or inside it (<dir>/audio.wav)`);
  return { entries, base };
}
