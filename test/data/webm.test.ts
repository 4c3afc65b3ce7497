// Our WebM muxer and demuxer (src/data/media/webm/): round trips through both, hand-built files for what
// the muxer never writes (the three lacings, BlockGroups, unknown sizes as MediaRecorder writes them), and
// malformed input (every truncation, random corruption) raising InvalidMediaError, never anything else.
import { describe, expect, it } from 'vitest';
import { demuxWebm, isEbml } from '../../src/data/media/webm/demux.ts';
import { muxWebm, type MuxTrack } from '../../src/data/media/webm/mux.ts';
import { concat, element, ID, sizeVint, stringElement, uintElement } from '../../src/data/media/webm/ebml.ts';
import { frameAt, webCodecsConfig } from '../../src/data/media/video.ts';
import { InvalidMediaError } from '../../src/data/errors.ts';
import { Rng } from '../../src/data/rng.ts';

const tracks: MuxTrack[] = [
  { kind: 'video', codecId: 'V_VP8', width: 64, height: 48 },
  { kind: 'audio', codecId: 'A_OPUS', sampleRate: 48000, channels: 1, codecPrivate: new Uint8Array([79, 112, 117, 115]), codecDelay: 0.0065, seekPreRoll: 0.08 },
];

function bytesOf(rng: Rng, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.nextU32() & 0xff);
}

/** A file with one Cluster holding `blocks` (payloads of SimpleBlock/BlockGroup elements), header written by hand. */
function handMade(blocks: Uint8Array[], opts: { unknownSizes?: boolean; defaultDurationNs?: number } = {}): Uint8Array {
  const head = element(ID.EBML, concat([stringElement(ID.DocType, 'webm')]));
  const track = element(ID.TrackEntry, concat([
    uintElement(ID.TrackNumber, 1), uintElement(ID.TrackType, 2), stringElement(ID.CodecID, 'A_VORBIS'),
    ...(opts.defaultDurationNs ? [uintElement(ID.DefaultDuration, opts.defaultDurationNs)] : []),
  ]));
  const info = element(ID.Info, uintElement(ID.TimestampScale, 1e6));
  const cluster = concat([uintElement(ID.Timestamp, 1000), ...blocks]);
  if (!opts.unknownSizes) return concat([head, element(ID.Segment, concat([info, element(ID.Tracks, track), element(ID.Cluster, cluster)]))]);
  // unknown sizes (all value bits 1), two clusters back to back, as live muxers write them
  const unknown = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
  const c = (payload: Uint8Array) => concat([[0x1f, 0x43, 0xb6, 0x75], unknown, payload]);
  return concat([head, [0x18, 0x53, 0x80, 0x67], unknown, info, element(ID.Tracks, track), c(cluster), c(concat([uintElement(ID.Timestamp, 2000), ...blocks]))]);
}

/** A SimpleBlock of track 1 at relative time `rel` with lacing bits `lacing` and the given lace body. */
const simple = (rel: number, flags: number, body: number[] | Uint8Array) => element(ID.SimpleBlock, concat([[0x81, (rel >> 8) & 0xff, rel & 0xff, flags], body]));

describe('WebM container', () => {
  it('mux -> demux round trip: tracks, timestamps (ms ticks, cluster splits past 32.767 s), keys, payloads', () => {
    const rng = new Rng(5);
    const frames = [];
    for (let k = 0; k < 30; k++) frames.push({ track: 0, timestamp: k * 0.04 + (k >= 20 ? 40 : 0), key: k % 10 === 0, data: bytesOf(rng, 1 + (rng.nextU32() % 300)) });
    for (let k = 0; k < 25; k++) frames.push({ track: 1, timestamp: k * 0.02 + (k >= 20 ? 40 : 0), key: true, data: bytesOf(rng, 1 + (rng.nextU32() % 200)) });
    const file = demuxWebm(muxWebm(tracks, frames), 'round trip');
    expect(file.docType).toBe('webm');
    expect(file.tracks.map((t) => [t.number, t.kind, t.codecId, t.width, t.height, t.sampleRate, t.channels])).toEqual([
      [1, 'video', 'V_VP8', 64, 48, undefined, undefined],
      [2, 'audio', 'A_OPUS', undefined, undefined, 48000, 1],
    ]);
    expect(file.tracks[1].codecDelay).toBeCloseTo(0.0065, 12);
    expect(Array.from(file.tracks[1].codecPrivate!)).toEqual([79, 112, 117, 115]);
    expect(file.duration).toBeCloseTo(41.16, 9); // the last frame's timestamp
    for (const [ti, n] of [[0, 30], [1, 25]]) {
      const want = frames.filter((f) => f.track === ti).sort((a, b) => a.timestamp - b.timestamp);
      const got = file.frames.filter((f) => f.track === ti + 1);
      expect(got.length).toBe(n);
      got.forEach((g, k) => {
        expect(g.timestamp).toBeCloseTo(Math.round(want[k].timestamp * 1000) / 1000, 9);
        expect(g.key).toBe(want[k].key);
        expect(Array.from(g.data)).toEqual(Array.from(want[k].data));
      });
    }
  });
  it('sizes as the shortest VINT, all-ones values one byte longer (reserved for unknown size)', () => {
    expect(sizeVint(0)).toEqual([0x80]);
    expect(sizeVint(126)).toEqual([0xfe]);
    expect(sizeVint(127)).toEqual([0x40, 0x7f]);
    expect(sizeVint(16382)).toEqual([0x7f, 0xfe]);
    expect(sizeVint(16383)).toEqual([0x20, 0x3f, 0xff]);
  });
  it('Xiph, EBML and fixed lacing; BlockGroups with and without ReferenceBlock; laced frames spaced by DefaultDuration', () => {
    const a = [1, 2, 3], b = Array.from({ length: 300 }, (_, i) => i & 0xff), c = [9, 9];
    // Xiph: count-1, sizes 3 and 300 (255 + 45), then the frames
    const xiph = simple(5, 0x80 | 0x02, [2, 3, 255, 45, ...a, ...b, ...c]);
    // EBML: first size 3 as a 1-byte VINT, then 300 - 3 = +297 as a 2-byte signed VINT (bias 8191)
    const d = 297 + 8191;
    const ebml = simple(6, 0x06, [2, 0x83, 0x40 | (d >> 8), d & 0xff, ...a, ...b, ...c]);
    const fixed = simple(7, 0x04, [2, 1, 2, 3, 4, 5, 6]);
    const group = (rel: number, ref: boolean) => element(ID.BlockGroup, concat([element(ID.Block, concat([[0x81, 0, rel, 0], [7]])), ...(ref ? [element(ID.ReferenceBlock, [0xff])] : [])]));
    const file = demuxWebm(handMade([xiph, ebml, fixed, group(8, false), group(9, true)], { defaultDurationNs: 2e6 }));
    const f = file.frames.map((x) => [x.timestamp, x.key, Array.from(x.data)]);
    const want = [1.005, 1.007, 1.009, 1.006, 1.008, 1.01, 1.007, 1.009, 1.011, 1.008, 1.009];
    expect(f.length).toBe(want.length);
    f.forEach((x, k) => expect(x[0] as number).toBeCloseTo(want[k], 9));
    expect(f.slice(0, 3).map((x) => x[2])).toEqual([a, b, c]);
    expect(f.slice(3, 6).map((x) => x[2])).toEqual([a, b, c]);
    expect(f.slice(6, 9).map((x) => x[2])).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(f.map((x) => x[1])).toEqual([true, true, true, false, false, false, false, false, false, true, false]);
  });
  it('unknown-size Segment and Clusters (live recordings): each Cluster ends at the next one', () => {
    const file = demuxWebm(handMade([simple(0, 0x80, [1]), simple(40, 0, [2])], { unknownSizes: true }));
    expect(file.frames.map((f) => [f.timestamp, f.data[0]])).toEqual([[1, 1], [1.04, 2], [2, 1], [2.04, 2]]);
    expect(file.duration).toBeUndefined();
  });
  it('every truncation and 300 random corruptions: a result or InvalidMediaError, nothing else', () => {
    const rng = new Rng(11);
    const frames = Array.from({ length: 12 }, (_, k) => ({ track: k % 2, timestamp: k * 0.03, key: k % 4 < 2, data: bytesOf(rng, 5 + k) }));
    const good = muxWebm(tracks, frames);
    const check = (bytes: Uint8Array) => {
      try {
        demuxWebm(bytes, 'fuzz');
      } catch (e) {
        if (!(e instanceof InvalidMediaError)) throw new Error(`not an InvalidMediaError: ${String(e)}`);
        expect((e as Error).message).toMatch(/^fuzz: /);
      }
    };
    for (let n = 0; n < good.length; n++) check(good.subarray(0, n));
    for (let k = 0; k < 300; k++) {
      const bad = good.slice();
      for (let j = 0; j < 1 + (k % 4); j++) bad[rng.nextU32() % bad.length] = rng.nextU32() & 0xff;
      check(bad);
    }
    expect(isEbml(good)).toBe(true);
    expect(() => demuxWebm(new Uint8Array([0, 0, 0, 0]), 'x.mp4')).toThrow(/not a WebM/);
  });
  it('WebCodecs codec strings from Matroska tracks; the frame on screen at a time', () => {
    expect(webCodecsConfig({ number: 1, kind: 'video', codecId: 'V_VP8', width: 4, height: 2 })).toEqual({ codec: 'vp8', codedWidth: 4, codedHeight: 2 });
    // avcC: version 1, profile 0x64 (High), compat 0x00, level 0x1f (3.1)
    expect(webCodecsConfig({ number: 1, kind: 'video', codecId: 'V_MPEG4/ISO/AVC', codecPrivate: new Uint8Array([1, 0x64, 0, 0x1f, 0xff]) })?.codec).toBe('avc1.64001f');
    // av1C: marker|version 0x81, seq_profile 0 level 8 (0x08), tier 0, 10-bit (0x40)
    expect(webCodecsConfig({ number: 1, kind: 'video', codecId: 'V_AV1', codecPrivate: new Uint8Array([0x81, 0x08, 0x40, 0]) })?.codec).toBe('av01.0.08M.10');
    expect(webCodecsConfig({ number: 1, kind: 'video', codecId: 'V_THEORA' })).toBeNull();
    const pts = [0, 0.04, 0.08, 0.12];
    expect([-1, 0, 0.039, 0.04, 0.03999999, 0.1, 5].map((t) => frameAt(pts, t))).toEqual([0, 0, 0, 1, 1, 2, 3]);
  });
});
