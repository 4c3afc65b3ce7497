// Spoken digits from eSpeak NG through `@echogarden/espeak-ng-emscripten` (GPL-3.0). This file is the ONLY
// place that loads it, by a computed dynamic import, so the package never enters the core SDK's module
// graph or bundle: it is an optional peer dependency needed by the AV-Digits dataset alone.
//
// Determinism: eSpeak keeps state between utterances (its random generator drives the klatt/noise voices,
// and voice settings leak from one voice to the next), so the same request could give different samples
// depending on what was synthesised before. We snapshot the module's whole linear memory right after
// start-up and restore it before every utterance: each utterance is then a pure function of
// (voice, text, rate, pitch), independent of call order, in every runtime (the package is wasm2js, i.e.
// plain JavaScript arithmetic). eSpeak also seeds its generator from the clock (time() -> Date.now) when it
// starts, so the clock reads a fixed instant while it initialises and while it speaks.
import { importOptional } from '../optional.ts';
import { DatasetAssetError, DatasetRuntimeError } from '../errors.ts';
import { resolvePackage, toUrl } from '../io.ts';

export const ESPEAK_PACKAGE = '@echogarden/espeak-ng-emscripten';
/** eSpeak NG's output rate. */
export const ESPEAK_RATE = 22050;

interface EspeakWorker {
  set_voice(name: string): number;
  set_rate(r: number): number;
  set_pitch(p: number): number;
  synthesize(text: string, cb: (audio: Int16Array | null, events: unknown[]) => number): void;
  list_voices(): { identifier: string }[];
}
interface EspeakModule {
  HEAPU8: Uint8Array;
  eSpeakNGWorker: new () => EspeakWorker;
  FS: { readdir(p: string): string[] };
}

/** One speaker: an eSpeak language voice, a voice variant, speaking rate (words/min) and pitch (0-99). */
export interface Speaker {
  language: string;
  variant: string;
  rate: number;
  pitch: number;
}

/**
 * Language voices that cannot read every digit (< 0.02 s of output: '7' in chr, cv, sjn; '0' in qya, quc),
 * found by speaking 0-9 in every language of @echogarden/espeak-ng-emscripten 0.3.5.
 */
const SILENT_LANGUAGES = new Set(['iro/chr', 'trk/cv', 'art/sjn', 'art/qya', 'myn/quc']);
/** Shortest utterance we accept (s): the shortest real digit names ('un', 'du') last ~0.11 s at 230 words/min. */
const MIN_UTTERANCE = 0.05;

/** A loaded synthesiser. */
export class SpeechEngine {
  private readonly snapshot: Uint8Array;
  readonly languages: string[];
  readonly variants: string[];
  private readonly worker: EspeakWorker;

  constructor(private readonly mod: EspeakModule) {
    this.worker = withFixedClock(() => new mod.eSpeakNGWorker());
    this.languages = this.worker.list_voices().map((v) => v.identifier).filter((l) => !SILENT_LANGUAGES.has(l)).sort();
    let variants: string[] = [];
    try {
      variants = mod.FS.readdir('/usr/share/espeak-ng-data/voices/!v').filter((n) => !n.startsWith('.'));
    } catch {
      // older data layouts: no variants, languages only
    }
    this.variants = variants.sort();
    this.snapshot = mod.HEAPU8.slice();
  }

  /**
   * Speaks `text` as 16-bit PCM at 22050 Hz, leading/trailing silence trimmed. Deterministic.
   * @throws DatasetAssetError when eSpeak does not know the voice.
   */
  speak(text: string, sp: Speaker): Int16Array {
    const heap = this.mod.HEAPU8;
    heap.set(this.snapshot);
    if (heap.length > this.snapshot.length) heap.fill(0, this.snapshot.length);
    const voice = sp.variant ? `${sp.language}+${sp.variant}` : sp.language;
    if (this.worker.set_voice(voice) !== 0) throw new DatasetAssetError(`eSpeak NG has no voice '${voice}'`);
    this.worker.set_rate(Math.round(sp.rate));
    this.worker.set_pitch(Math.round(sp.pitch));
    const chunks: Int16Array[] = [];
    withFixedClock(() =>
      this.worker.synthesize(text, (audio) => {
        if (audio && audio.length) chunks.push(audio.slice());
        return 0;
      }),
    );
    let n = 0;
    for (const c of chunks) n += c.length;
    const pcm = new Int16Array(n);
    n = 0;
    for (const c of chunks) {
      pcm.set(c, n);
      n += c.length;
    }
    const out = trimSilence(pcm);
    if (out.length < MIN_UTTERANCE * ESPEAK_RATE) {
      throw new DatasetRuntimeError(`eSpeak NG voice '${voice}' produced ${(out.length / ESPEAK_RATE).toFixed(3)} s of speech for '${text}': this voice cannot say it (a different espeak-ng data version?)`);
    }
    return out;
  }
}

/** Runs synchronous `fn` with Date.now() frozen at a fixed instant (restored even if fn throws). */
function withFixedClock<T>(fn: () => T): T {
  const now = Date.now;
  Date.now = () => 1577836800000; // 2020-01-01T00:00:00Z
  try {
    return fn();
  } finally {
    Date.now = now;
  }
}

/** Cuts leading/trailing samples below 1% of full scale, keeping 10 ms of margin. */
export function trimSilence(pcm: Int16Array, threshold = 328): Int16Array {
  let a = 0;
  let b = pcm.length;
  while (a < b && Math.abs(pcm[a]) < threshold) a++;
  while (b > a && Math.abs(pcm[b - 1]) < threshold) b--;
  const pad = Math.round(ESPEAK_RATE * 0.01);
  return pcm.slice(Math.max(0, a - pad), Math.min(pcm.length, b + pad));
}

const engines = new Map<string, Promise<SpeechEngine>>();

/**
 * Loads eSpeak NG once per module URL. `moduleUrl` defaults to the installed package (Node, Deno, bundlers);
 * browsers without an import map must pass the URL of `node_modules/@echogarden/espeak-ng-emscripten/espeak-ng.js`
 * (the 24 MB `espeak-ng.data` next to it is fetched from the same directory).
 */
export function loadSpeech(moduleUrl?: string | URL, factory?: EspeakFactory): Promise<SpeechEngine> {
  if (factory) {
    let p = injected.get(factory);
    if (!p) {
      p = start(factory);
      injected.set(factory, p);
      p.catch(() => injected.delete(factory));
    }
    return p;
  }
  const url = moduleUrl !== undefined ? toUrl(moduleUrl, 'assets.espeakUrl') : resolvePackage(ESPEAK_PACKAGE, ESPEAK_PACKAGE, 'assets.espeakUrl');
  let p = engines.get(url.href);
  if (!p) {
    p = importFactory(url).then(start);
    engines.set(url.href, p);
    p.catch(() => engines.delete(url.href));
  }
  return p;
}

/** The default export of `@echogarden/espeak-ng-emscripten` (its Emscripten module factory). */
export type EspeakFactory = (opts?: object) => Promise<EspeakModule>;
const injected = new WeakMap<EspeakFactory, Promise<SpeechEngine>>();

async function importFactory(url: URL): Promise<EspeakFactory> {
  try {
    return (await importOptional<{ default: EspeakFactory }>(url.href)).default;
  } catch (cause) {
    throw new DatasetAssetError(`could not import ${ESPEAK_PACKAGE} from ${url.href}: ${String((cause as Error)?.message ?? cause)}. Install it with \`npm install ${ESPEAK_PACKAGE}\` (GPL-3.0, used only by AV-Digits).`, { cause });
  }
}

async function start(factory: EspeakFactory): Promise<SpeechEngine> {
  try {
    return new SpeechEngine(await factory());
  } catch (cause) {
    throw new DatasetRuntimeError(`${ESPEAK_PACKAGE} failed to start in this runtime: ${String((cause as Error)?.message ?? cause)}. It is known to work in Node >= 20, Deno >= 2 and Chromium.`, { cause });
  }
}
