// What happens to one packet, decided by the seed and the packet itself, never by the clock:
// a packet's fate is a function of (seed, the bytes it carries, how many times the same bytes
// were seen before). So the same seed and the same traffic give the same drops, copies and
// reorderings even when timing differs between runs (a checker failure replays), and a sender
// that sends a line twice gets two independent chances.
import type { Impairment } from "./args";

export interface Fate {
  drop: boolean;
  duplicate: boolean;
  reorder: boolean;
  /** How long the packet is held before it goes on (delay ± jitter), ms. */
  delayMs: number;
}

/** MurmurHash3 (x86, 32 bit) of bytes: a fast, well-mixed hash for keys. */
export function murmur3(bytes: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const n = bytes.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocks + 2] << 16;
    if (tail >= 2) k ^= bytes[blocks + 1] << 8;
    k ^= bytes[blocks];
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  return fmix(h);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A small seeded generator (mulberry32): uniform numbers in [0, 1). */
export function generator(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fate of the `occurrence`-th packet (0-based) carrying `key`. */
export function fateOf(spec: Impairment, seed: number, key: Uint8Array, occurrence: number): Fate {
  const h = fmix(murmur3(key, seed) ^ Math.imul(occurrence + 1, 0x9e3779b1));
  const next = generator(h);
  // Always draw every number, so one feature's setting never shifts another's decisions.
  const uLoss = next();
  const uDup = next();
  const uReorder = next();
  const uJitter = next();
  const jitter = spec.jitterMs ? (uJitter * 2 - 1) * spec.jitterMs : 0;
  return {
    drop: uLoss < (spec.loss ?? 0),
    duplicate: uDup < (spec.duplicate ?? 0),
    reorder: uReorder < (spec.reorder ?? 0),
    delayMs: Math.max(0, (spec.delayMs ?? 0) + jitter),
  };
}

/**
 * The part of an IPv4 packet that identifies it across runs: protocol, TCP flags and the
 * transport payload. Addresses, ports (ephemeral ports change), IP ids, TCP sequence numbers
 * and checksums are left out.
 */
export function packetKey(ip: Uint8Array): Uint8Array {
  if (ip.length < 20 || ip[0] >> 4 !== 4) return ip;
  const ihl = (ip[0] & 0x0f) * 4;
  const proto = ip[9];
  let start = ihl;
  let extra = 0;
  if (proto === 17) start = ihl + 8; // UDP header
  else if (proto === 6 && ip.length >= ihl + 20) {
    extra = ip[ihl + 13]; // TCP flags
    start = ihl + (ip[ihl + 12] >> 4) * 4;
  }
  const payload = ip.subarray(Math.min(start, ip.length));
  const key = new Uint8Array(payload.length + 2);
  key[0] = proto;
  key[1] = extra;
  key.set(payload, 2);
  return key;
}

/** Counts how often each key was seen (bounded: after many distinct keys the counts start over). */
export class OccurrenceCounter {
  private counts = new Map<number, number>();
  constructor(private readonly limit = 200_000) {}

  next(key: Uint8Array): number {
    const h = murmur3(key, 0x5eed);
    const n = this.counts.get(h) ?? 0;
    if (this.counts.size >= this.limit && n === 0) this.counts.clear();
    this.counts.set(h, n + 1);
    return n;
  }
}
