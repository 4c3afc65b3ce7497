// The one place in the SDK that uses dynamic import(). It loads optional packages the SDK must not depend
// on (GPL-3.0 eSpeak NG for AV-Digits; pngjs under Deno) and only when a dataset that needs them is used.
// The core (device, info, audio frontend, engine) never reaches this module. Where import() is forbidden
// (browser-extension service workers), pass the module instead: `datasets.avDigits({ assets: { espeak } })`.

/** Imports `spec` at run time. Computed on purpose, so bundlers and tsc never pull it into the core graph. */
export async function importOptional<T>(spec: string): Promise<T> {
  return (await import(/* @vite-ignore */ spec)) as T;
}
