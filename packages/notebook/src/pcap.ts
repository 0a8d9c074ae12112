// The pcap file format (what `tcpdump -w -` writes), read incrementally: tcpdump's output
// arrives in chunks of any size, a record may straddle two chunks.
import { PcapFormatError } from "./errors";

export interface PcapRecord {
  /** Capture time in microseconds since the epoch. */
  timeUs: number;
  /** Link-layer type of the capture (1 Ethernet, 113 Linux cooked, 101 raw IP, 276 Linux cooked v2). */
  linkType: number;
  /** Bytes on the wire (the record holds at most the snap length of them). */
  wireLength: number;
  data: Buffer;
}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
/** No link layer we read is bigger than this; a larger record length means a corrupt stream. */
const MAX_RECORD = 262_144;

/** Feeds chunks, returns the complete records so far. */
export class PcapStreamParser {
  private pending = Buffer.alloc(0);
  private littleEndian: boolean | null = null;
  private nanoseconds = false;
  private linkType = 0;

  push(chunk: Buffer): PcapRecord[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const records: PcapRecord[] = [];
    let at = 0;
    if (this.littleEndian === null) {
      if (this.pending.length < GLOBAL_HEADER) return records;
      this.readGlobalHeader(this.pending);
      at = GLOBAL_HEADER;
    }
    const u32 = (offset: number) => (this.littleEndian ? this.pending.readUInt32LE(offset) : this.pending.readUInt32BE(offset));
    while (this.pending.length - at >= RECORD_HEADER) {
      const included = u32(at + 8);
      if (included > MAX_RECORD) throw new PcapFormatError(`a pcap record of ${included} bytes: the stream is not pcap or is corrupt`);
      if (this.pending.length - at - RECORD_HEADER < included) break;
      const fraction = u32(at + 4);
      records.push({
        timeUs: u32(at) * 1_000_000 + (this.nanoseconds ? Math.floor(fraction / 1000) : fraction),
        linkType: this.linkType,
        wireLength: u32(at + 12),
        data: Buffer.from(this.pending.subarray(at + RECORD_HEADER, at + RECORD_HEADER + included)),
      });
      at += RECORD_HEADER + included;
    }
    this.pending = this.pending.subarray(at);
    return records;
  }

  private readGlobalHeader(header: Buffer): void {
    const little = header.readUInt32LE(0);
    const big = header.readUInt32BE(0);
    if (little === MAGIC_US || little === MAGIC_NS) this.littleEndian = true;
    else if (big === MAGIC_US || big === MAGIC_NS) this.littleEndian = false;
    else throw new PcapFormatError(`not a pcap stream (magic 0x${big.toString(16).padStart(8, "0")})`);
    this.nanoseconds = (this.littleEndian ? little : big) === MAGIC_NS;
    this.linkType = (this.littleEndian ? header.readUInt32LE(20) : header.readUInt32BE(20)) & 0x0fffffff;
  }
}

/** All records of a whole pcap file (tests, fixtures). */
export function parsePcap(file: Buffer): PcapRecord[] {
  return new PcapStreamParser().push(file);
}
