// mulberry32: a 32-bit PRNG small enough to implement identically everywhere (Math.imul and >>> are exact
// in every JS engine, so the stream is bit-identical across Node, Deno and browsers). The Python twin in
// test/fixtures/gen/audio_frontend.py checks the first draws.

export class Mulberry32 {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }

  /** Next raw u32. */
  nextU32(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [lo, hi] (inclusive): lo + floor(u32 / 2^32 · (hi − lo + 1)). */
  int(lo: number, hi: number): number {
    if (hi <= lo) {
      this.nextU32(); // always one draw per call: the stream position never depends on the values
      return lo;
    }
    return lo + Math.floor((this.nextU32() / 4294967296) * (hi - lo + 1));
  }
}
