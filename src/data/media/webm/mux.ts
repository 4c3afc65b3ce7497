// A small WebM muxer (our own): coded frames (e.g. from WebCodecs' VideoEncoder/AudioEncoder) into a WebM
// file with known sizes, one Cluster per video keyframe (or when a block's int16 relative timestamp would
// overflow), SimpleBlocks without lacing, a Duration and no Cues. Used by the tests to make WebM files in
// the browser, and usable to save clips.
import { InvalidArgumentError } from '../../../errors.ts';
import { concat, element, floatElement, ID, stringElement, uintElement } from './ebml.ts';
import type { WebmTrack } from './demux.ts';

/** A track to write: a demuxed track's description (codec, size, rate, codec delay) plus the Opus seek pre-roll. */
export interface MuxTrack extends Omit<WebmTrack, 'number' | 'kind' | 'defaultDuration'> {
  kind: 'video' | 'audio';
  /** Seek pre-roll in seconds (Opus: 0.08). */
  seekPreRoll?: number;
}

export interface MuxFrame {
  /** Index into `tracks` (0-based); written as TrackNumber index + 1. */
  track: number;
  /** Presentation timestamp in seconds (>= 0). */
  timestamp: number;
  key: boolean;
  data: Uint8Array;
}

/** Builds a WebM file (timestamps in 1 ms ticks unless `timestampScale` says otherwise, in ns per tick). */
export function muxWebm(tracks: MuxTrack[], frames: MuxFrame[], opts: { timestampScale?: number; duration?: number } = {}): Uint8Array {
  const scale = opts.timestampScale ?? 1e6;
  if (!(Number.isInteger(scale) && scale > 0)) throw new InvalidArgumentError(`muxWebm: timestampScale must be a positive integer (ns per tick), got ${scale}`);
  if (tracks.length === 0) throw new InvalidArgumentError('muxWebm: give at least one track');
  const ticks = (t: number) => Math.round((t * 1e9) / scale);
  for (const f of frames) {
    if (!(Number.isInteger(f.track) && f.track >= 0 && f.track < tracks.length)) throw new InvalidArgumentError(`muxWebm: frame track ${f.track} is not an index into the ${tracks.length} tracks`);
    if (!(Number.isFinite(f.timestamp) && f.timestamp >= 0)) throw new InvalidArgumentError(`muxWebm: frame timestamps must be finite and >= 0, got ${f.timestamp}`);
  }
  const ordered = frames.map((f, k) => ({ f, k })).sort((a, b) => a.f.timestamp - b.f.timestamp || a.k - b.k).map((x) => x.f);
  const lastEnd = ordered.length ? ordered[ordered.length - 1].timestamp : 0;

  const header = element(ID.EBML, concat([
    uintElement(ID.EBMLVersion, 1), uintElement(ID.EBMLReadVersion, 1), uintElement(ID.EBMLMaxIDLength, 4),
    uintElement(ID.EBMLMaxSizeLength, 8), stringElement(ID.DocType, 'webm'), uintElement(ID.DocTypeVersion, 4),
    uintElement(ID.DocTypeReadVersion, 2),
  ]));
  const info = element(ID.Info, concat([
    uintElement(ID.TimestampScale, scale), stringElement(ID.MuxingApp, 'sscl-sdk'), stringElement(ID.WritingApp, 'sscl-sdk'),
    floatElement(ID.Duration, ((opts.duration ?? lastEnd) * 1e9) / scale),
  ]));
  const entries = tracks.map((t, k) => {
    const parts: Uint8Array[] = [
      uintElement(ID.TrackNumber, k + 1), uintElement(ID.TrackUID, k + 1), uintElement(ID.TrackType, t.kind === 'video' ? 1 : 2),
      uintElement(ID.FlagLacing, 0), stringElement(ID.CodecID, t.codecId),
    ];
    if (t.codecPrivate) parts.push(element(ID.CodecPrivate, t.codecPrivate));
    if (t.codecDelay) parts.push(uintElement(ID.CodecDelay, Math.round(t.codecDelay * 1e9)));
    if (t.seekPreRoll) parts.push(uintElement(ID.SeekPreRoll, Math.round(t.seekPreRoll * 1e9)));
    if (t.kind === 'video') parts.push(element(ID.Video, concat([uintElement(ID.PixelWidth, t.width ?? 0), uintElement(ID.PixelHeight, t.height ?? 0)])));
    else parts.push(element(ID.Audio, concat([floatElement(ID.SamplingFrequency, t.sampleRate ?? 48000), uintElement(ID.Channels, t.channels ?? 1)])));
    return element(ID.TrackEntry, concat(parts));
  });
  const clusters: Uint8Array[] = [];
  const hasVideo = tracks.some((t) => t.kind === 'video');
  let base = -1;
  let blocks: Uint8Array[] = [];
  const flush = () => {
    if (base >= 0) clusters.push(element(ID.Cluster, concat([uintElement(ID.Timestamp, base), ...blocks])));
    blocks = [];
  };
  for (const f of ordered) {
    const tk = ticks(f.timestamp);
    const videoKey = f.key && tracks[f.track].kind === 'video';
    if (base < 0 || tk - base > 32767 || (videoKey && blocks.length > 0) || (!hasVideo && tk - base > 1000)) {
      flush();
      base = tk;
    }
    const rel = tk - base;
    const head = [0x80 | (f.track + 1), (rel >> 8) & 0xff, rel & 0xff, f.key ? 0x80 : 0x00];
    blocks.push(element(ID.SimpleBlock, concat([head, f.data])));
  }
  flush();
  const segment = element(ID.Segment, concat([info, element(ID.Tracks, concat(entries)), ...clusters]));
  return concat([header, segment]);
}
