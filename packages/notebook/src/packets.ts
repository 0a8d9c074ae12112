// Packets as the wire view shows them: IPv4 TCP/UDP/ICMP decoded from captured frames, with
// TCP sequence numbers made relative per direction (as tcpdump and Wireshark show them).
import type { PcapRecord } from "./pcap";

export type TcpFlag = "SYN" | "ACK" | "PSH" | "FIN" | "RST" | "URG" | "ECE" | "CWR";

interface PacketBase {
  /** Capture time, microseconds since the epoch. */
  timeUs: number;
  src: string;
  dst: string;
}

export interface TcpPacket extends PacketBase {
  protocol: "tcp";
  srcPort: number;
  dstPort: number;
  /** In the order tcpdump and Wireshark list them, e.g. ["SYN", "ACK"]. */
  flags: TcpFlag[];
  seq: number;
  ack: number;
  /** seq relative to this direction's first sequence number (its SYN's, or the first seen). */
  relSeq: number;
  /** ack relative to the other direction's first sequence number, null when that is unknown or ACK is unset. */
  relAck: number | null;
  window: number;
  payloadLength: number;
  /** The captured start of the payload (the capture keeps the first 256 bytes of each frame). */
  payload: Buffer;
}

export interface UdpPacket extends PacketBase {
  protocol: "udp";
  srcPort: number;
  dstPort: number;
  /** The UDP header's length field: header (8) + payload. */
  udpLength: number;
  payloadLength: number;
  payload: Buffer;
}

/** The datagram an ICMP error is about (its IP header and first 8 bytes ride inside). */
export interface IcmpQuote {
  protocol: "tcp" | "udp" | "icmp" | string;
  src: string;
  dst: string;
  srcPort: number | null;
  dstPort: number | null;
}

export interface IcmpPacket extends PacketBase {
  protocol: "icmp";
  type: number;
  code: number;
  /** In words: "port unreachable", "echo request", ... */
  description: string;
  about: IcmpQuote | null;
}

export type Packet = TcpPacket | UdpPacket | IcmpPacket;

const FLAG_BITS: [number, TcpFlag][] = [[0x02, "SYN"], [0x01, "FIN"], [0x04, "RST"], [0x08, "PSH"], [0x20, "URG"], [0x10, "ACK"], [0x40, "ECE"], [0x80, "CWR"]];

const UNREACHABLE: Record<number, string> = {
  0: "net unreachable", 1: "host unreachable", 2: "protocol unreachable", 3: "port unreachable",
  4: "fragmentation needed", 9: "net prohibited", 10: "host prohibited", 13: "administratively prohibited",
};

/** ICMP type/code in words (the common ones; the numbers otherwise). */
export function icmpDescription(type: number, code: number): string {
  if (type === 3) return UNREACHABLE[code] ?? `destination unreachable (code ${code})`;
  if (type === 0) return "echo reply";
  if (type === 8) return "echo request";
  if (type === 11) return "time exceeded";
  return `type ${type} code ${code}`;
}

const ipv4 = (data: Buffer, at: number) => `${data[at]}.${data[at + 1]}.${data[at + 2]}.${data[at + 3]}`;
const protocolName = (number: number) => ({ 1: "icmp", 6: "tcp", 17: "udp" })[number] ?? `ip-proto-${number}`;

/** Where the IPv4 header starts in a frame of this link type, or -1 when the frame carries no IPv4. */
function ipOffset(record: PcapRecord): number {
  const data = record.data;
  switch (record.linkType) {
    case 1: { // Ethernet, possibly with 802.1Q tags (a testbed's VLAN may leave them on)
      let at = 12;
      while (data.length >= at + 2 && (data.readUInt16BE(at) === 0x8100 || data.readUInt16BE(at) === 0x88a8)) at += 4;
      return data.length >= at + 2 && data.readUInt16BE(at) === 0x0800 ? at + 2 : -1;
    }
    case 113: // Linux cooked (tcpdump -i any)
      return data.length >= 16 && data.readUInt16BE(14) === 0x0800 ? 16 : -1;
    case 276: // Linux cooked v2
      return data.length >= 20 && data.readUInt16BE(0) === 0x0800 ? 20 : -1;
    case 101: // raw IP
    case 228:
      return 0;
    default:
      return -1;
  }
}

/** First sequence number per direction ("a:p>b:q"), kept across wire windows. */
export class SequenceTracker {
  private readonly bases = new Map<string, number>();

  relative(packet: { src: string; srcPort: number; dst: string; dstPort: number; seq: number; ack: number; syn: boolean; hasAck: boolean }) {
    const forward = `${packet.src}:${packet.srcPort}>${packet.dst}:${packet.dstPort}`;
    const backward = `${packet.dst}:${packet.dstPort}>${packet.src}:${packet.srcPort}`;
    // A SYN starts a new connection on these ports: forget the previous one's numbers.
    if (packet.syn) {
      this.bases.set(forward, packet.seq);
      if (!packet.hasAck) this.bases.delete(backward);
    } else if (!this.bases.has(forward)) this.bases.set(forward, packet.seq);
    const base = this.bases.get(forward)!;
    const other = this.bases.get(backward);
    return {
      relSeq: (packet.seq - base) >>> 0,
      relAck: packet.hasAck && other !== undefined ? (packet.ack - other) >>> 0 : null,
    };
  }
}

/** One captured frame as a Packet, or null for what the views do not show (ARP, IPv6, fragments, truncated headers). */
export function decodePacket(record: PcapRecord, tracker: SequenceTracker): Packet | null {
  const data = record.data;
  const ip = ipOffset(record);
  if (ip < 0 || data.length < ip + 20 || data[ip] >> 4 !== 4) return null;
  const headerLength = (data[ip] & 0x0f) * 4;
  const totalLength = data.readUInt16BE(ip + 2);
  const fragmentOffset = data.readUInt16BE(ip + 6) & 0x1fff;
  if (fragmentOffset !== 0) return null;
  const base = { timeUs: record.timeUs, src: ipv4(data, ip + 12), dst: ipv4(data, ip + 16) };
  const l4 = ip + headerLength;
  const l4Length = totalLength - headerLength;
  switch (data[ip + 9]) {
    case 6: {
      if (data.length < l4 + 20) return null;
      const dataOffset = (data[l4 + 12] >> 4) * 4;
      const bits = data[l4 + 13];
      const flags = FLAG_BITS.filter(([bit]) => bits & bit).map(([, name]) => name);
      const fields = {
        src: base.src, dst: base.dst, srcPort: data.readUInt16BE(l4), dstPort: data.readUInt16BE(l4 + 2),
        seq: data.readUInt32BE(l4 + 4), ack: data.readUInt32BE(l4 + 8), syn: (bits & 0x02) !== 0, hasAck: (bits & 0x10) !== 0,
      };
      const payloadLength = Math.max(0, l4Length - dataOffset);
      return {
        ...base, protocol: "tcp", srcPort: fields.srcPort, dstPort: fields.dstPort, flags, seq: fields.seq, ack: fields.ack,
        ...tracker.relative(fields), window: data.readUInt16BE(l4 + 14), payloadLength,
        payload: Buffer.from(data.subarray(l4 + dataOffset, Math.min(data.length, l4 + dataOffset + payloadLength))),
      };
    }
    case 17: {
      if (data.length < l4 + 8) return null;
      const udpLength = data.readUInt16BE(l4 + 4);
      const payloadLength = Math.max(0, udpLength - 8);
      return {
        ...base, protocol: "udp", srcPort: data.readUInt16BE(l4), dstPort: data.readUInt16BE(l4 + 2), udpLength, payloadLength,
        payload: Buffer.from(data.subarray(l4 + 8, Math.min(data.length, l4 + 8 + payloadLength))),
      };
    }
    case 1: {
      if (data.length < l4 + 8) return null;
      const type = data[l4];
      const code = data[l4 + 1];
      let about: IcmpQuote | null = null;
      const inner = l4 + 8;
      // Errors (unreachable, time exceeded) quote the offending datagram's IP header and 8 bytes.
      if ((type === 3 || type === 11) && data.length >= inner + 20 && data[inner] >> 4 === 4) {
        const innerL4 = inner + (data[inner] & 0x0f) * 4;
        const proto = data[inner + 9];
        const hasPorts = (proto === 6 || proto === 17) && data.length >= innerL4 + 4;
        about = {
          protocol: protocolName(proto), src: ipv4(data, inner + 12), dst: ipv4(data, inner + 16),
          srcPort: hasPorts ? data.readUInt16BE(innerL4) : null, dstPort: hasPorts ? data.readUInt16BE(innerL4 + 2) : null,
        };
      }
      return { ...base, protocol: "icmp", type, code, description: icmpDescription(type, code), about };
    }
    default:
      return null;
  }
}

/** Every packet of a whole capture (tests, fixtures). */
export function decodePackets(records: readonly PcapRecord[]): Packet[] {
  const tracker = new SequenceTracker();
  return records.map((record) => decodePacket(record, tracker)).filter((p): p is Packet => p !== null);
}
