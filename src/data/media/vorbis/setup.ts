// Vorbis identification and setup headers (Vorbis I specification, sections 4.2, 6.2, 7.2, 8.6).
import { InvalidMediaError } from '../../errors.ts';
import { BitReader, Codebook, ilog } from './bits.ts';

export interface Floor1 {
  partitionClass: number[];
  classDims: number[];
  classSubclasses: number[];
  classMasterbook: number[];
  subclassBooks: number[][];
  multiplier: number;
  xList: number[];
  /** Indices of xList sorted by x. */
  order: number[];
  low: number[];
  high: number[];
}

export interface Residue {
  type: number;
  begin: number;
  end: number;
  partitionSize: number;
  classifications: number;
  classbook: number;
  /** books[class][pass], -1 = none. */
  books: number[][];
}

export interface Mapping {
  coupling: [number, number][];
  mux: number[];
  submapFloor: number[];
  submapResidue: number[];
}

export interface Mode {
  blockflag: number;
  mapping: number;
}

export interface VorbisSetup {
  channels: number;
  sampleRate: number;
  blocksize: [number, number];
  codebooks: Codebook[];
  floors: Floor1[];
  residues: Residue[];
  mappings: Mapping[];
  modes: Mode[];
}

function header(p: Uint8Array, type: number, name: string): BitReader {
  const magic = String.fromCharCode(...p.subarray(1, 7));
  if (p[0] !== type || magic !== 'vorbis') throw new InvalidMediaError(`${name}: expected Vorbis header packet ${type}; is this Ogg Vorbis (not Opus/FLAC)?`);
  const r = new BitReader(p);
  r.read(8 * 7);
  return r;
}

export function parseSetup(ident: Uint8Array, setup: Uint8Array, name: string): VorbisSetup {
  const id = header(ident, 1, name);
  if (id.read(32) !== 0) throw new InvalidMediaError(`${name}: unsupported Vorbis version`);
  const channels = id.read(8);
  const sampleRate = id.read(32);
  id.read(32 * 3);
  const b0 = 1 << id.read(4);
  const b1 = 1 << id.read(4);
  if (channels < 1 || sampleRate < 1 || b0 < 64 || b1 < b0 || b1 > 8192) throw new InvalidMediaError(`${name}: invalid Vorbis identification header`);

  const r = header(setup, 5, name);
  const codebooks: Codebook[] = [];
  const ncb = r.read(8) + 1;
  for (let i = 0; i < ncb; i++) codebooks.push(new Codebook(r, name));
  const ntime = r.read(6) + 1;
  for (let i = 0; i < ntime; i++) if (r.read(16) !== 0) throw new InvalidMediaError(`${name}: bad time-domain transform`);

  const floors: Floor1[] = [];
  const nfloor = r.read(6) + 1;
  for (let i = 0; i < nfloor; i++) {
    const type = r.read(16);
    if (type !== 1) throw new InvalidMediaError(`${name}: Vorbis floor type ${type} is not supported (only floor 1, what every encoder since libvorbis 1.0 writes)`);
    const parts = r.read(5);
    const partitionClass: number[] = [];
    for (let k = 0; k < parts; k++) partitionClass.push(r.read(4));
    const maxClass = parts ? Math.max(...partitionClass) : -1;
    const classDims: number[] = [], classSubclasses: number[] = [], classMasterbook: number[] = [], subclassBooks: number[][] = [];
    for (let c = 0; c <= maxClass; c++) {
      classDims.push(r.read(3) + 1);
      const sub = r.read(2);
      classSubclasses.push(sub);
      classMasterbook.push(sub ? r.read(8) : -1);
      const books: number[] = [];
      for (let j = 0; j < 1 << sub; j++) books.push(r.read(8) - 1);
      subclassBooks.push(books);
    }
    const multiplier = r.read(2) + 1;
    const rangebits = r.read(4);
    const xList = [0, 1 << rangebits];
    for (const c of partitionClass) for (let j = 0; j < classDims[c]; j++) xList.push(r.read(rangebits));
    const order = xList.map((_, k) => k).sort((a, b) => xList[a] - xList[b]);
    const low: number[] = [0, 0], high: number[] = [0, 0];
    for (let k = 2; k < xList.length; k++) {
      let lo = 0, hi = 1, loX = -1, hiX = Infinity;
      for (let j = 0; j < k; j++) {
        if (xList[j] < xList[k] && xList[j] > loX) (loX = xList[j]), (lo = j);
        if (xList[j] > xList[k] && xList[j] < hiX) (hiX = xList[j]), (hi = j);
      }
      low.push(lo);
      high.push(hi);
    }
    floors.push({ partitionClass, classDims, classSubclasses, classMasterbook, subclassBooks, multiplier, xList, order, low, high });
  }

  const residues: Residue[] = [];
  const nres = r.read(6) + 1;
  for (let i = 0; i < nres; i++) {
    const type = r.read(16);
    if (type > 2) throw new InvalidMediaError(`${name}: bad residue type ${type}`);
    const begin = r.read(24), end = r.read(24), partitionSize = r.read(24) + 1, classifications = r.read(6) + 1, classbook = r.read(8);
    const cascade: number[] = [];
    for (let c = 0; c < classifications; c++) {
      const lowBits = r.read(3);
      const highBits = r.flag() ? r.read(5) : 0;
      cascade.push(highBits * 8 + lowBits);
    }
    const books = cascade.map((cas) => Array.from({ length: 8 }, (_, j) => ((cas >> j) & 1 ? r.read(8) : -1)));
    residues.push({ type, begin, end, partitionSize, classifications, classbook, books });
  }

  const mappings: Mapping[] = [];
  const nmap = r.read(6) + 1;
  for (let i = 0; i < nmap; i++) {
    if (r.read(16) !== 0) throw new InvalidMediaError(`${name}: bad mapping type`);
    const submaps = r.flag() ? r.read(4) + 1 : 1;
    const coupling: [number, number][] = [];
    if (r.flag()) {
      const steps = r.read(8) + 1;
      const bits = ilog(channels - 1);
      for (let s = 0; s < steps; s++) coupling.push([r.read(bits), r.read(bits)]);
    }
    if (r.read(2) !== 0) throw new InvalidMediaError(`${name}: bad mapping reserved bits`);
    const mux = new Array<number>(channels).fill(0);
    if (submaps > 1) for (let c = 0; c < channels; c++) mux[c] = r.read(4);
    const submapFloor: number[] = [], submapResidue: number[] = [];
    for (let s = 0; s < submaps; s++) {
      r.read(8);
      submapFloor.push(r.read(8));
      submapResidue.push(r.read(8));
    }
    mappings.push({ coupling, mux, submapFloor, submapResidue });
  }

  const modes: Mode[] = [];
  const nmodes = r.read(6) + 1;
  for (let i = 0; i < nmodes; i++) {
    const blockflag = r.read(1);
    r.read(16);
    r.read(16);
    modes.push({ blockflag, mapping: r.read(8) });
  }
  const out: VorbisSetup = { channels, sampleRate, blocksize: [b0, b1], codebooks, floors, residues, mappings, modes };
  validate(out, name);
  return out;
}

/** Every index the audio decoder follows must point at something: a corrupt header is an InvalidMediaError, not a crash. */
function validate(s: VorbisSetup, name: string): void {
  const bad = (what: string) => new InvalidMediaError(`${name}: corrupt Vorbis setup header (${what})`);
  const book = (b: number, what: string, vq = false) => {
    if (!(b >= 0 && b < s.codebooks.length)) throw bad(`${what} codebook ${b}`);
    if (vq && !s.codebooks[b].vq) throw bad(`${what} codebook ${b} has no VQ values`);
  };
  for (const f of s.floors) {
    f.classMasterbook.forEach((b) => b >= 0 && book(b, 'floor master'));
    f.subclassBooks.forEach((bs) => bs.forEach((b) => b >= 0 && book(b, 'floor subclass')));
    if (f.xList.length > 65) throw bad('floor has more than 65 points');
    if (new Set(f.xList).size !== f.xList.length) throw bad('floor x values repeat');
  }
  for (const r of s.residues) {
    book(r.classbook, 'residue class');
    if (s.codebooks[r.classbook].dims < 1) throw bad('residue class codebook has no dimensions');
    r.books.forEach((bs) => bs.forEach((b) => b >= 0 && book(b, 'residue', true)));
    for (const bs of r.books) for (const b of bs) if (b >= 0 && r.partitionSize % s.codebooks[b].dims !== 0) throw bad('residue partition size is not a multiple of its codebook dimensions');
  }
  for (const m of s.mappings) {
    const submaps = m.submapFloor.length;
    if (m.mux.some((x) => x >= submaps)) throw bad('mapping mux');
    m.submapFloor.forEach((f) => { if (f >= s.floors.length) throw bad(`mapping floor ${f}`); });
    m.submapResidue.forEach((r) => { if (r >= s.residues.length) throw bad(`mapping residue ${r}`); });
    for (const [a, b] of m.coupling) if (a === b || a >= s.channels || b >= s.channels) throw bad('channel coupling');
  }
  for (const md of s.modes) if (md.mapping >= s.mappings.length) throw bad(`mode mapping ${md.mapping}`);
}
