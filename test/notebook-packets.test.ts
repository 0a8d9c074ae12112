// Decoding the real capture's frames: UDP lengths, the ICMP error and what it quotes, TCP
// flags and sequence numbers relative per direction (the same numbers tcpdump prints).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodePacket, decodePackets, icmpDescription, parsePcap, SequenceTracker, type Packet, type TcpPacket } from "@sockets-typescript/notebook";
import { projectRoot } from "./support/lab-fixture";

const records = parsePcap(readFileSync(join(projectRoot, "test", "fixtures", "notebook", "walkthrough.pcap")));
const packets = decodePackets(records);
const tcp = (p: Packet) => p as TcpPacket;

test("UDP: ports, the length field (header + data) and the data", () => {
  const [hello] = packets;
  assert.equal(hello.protocol, "udp");
  assert.deepEqual(hello.protocol === "udp" && [hello.src, hello.srcPort, hello.dst, hello.dstPort, hello.udpLength, hello.payloadLength, hello.payload.toString()],
    ["10.10.0.101", 4000, "10.10.0.100", 5000, 13, 5, "Hello"]);
});

test("ICMP port unreachable from romeo, about juliet's datagram to port 5000", () => {
  const icmp = packets[1];
  assert.equal(icmp.protocol, "icmp");
  if (icmp.protocol !== "icmp") return;
  assert.deepEqual([icmp.src, icmp.dst, icmp.type, icmp.code, icmp.description], ["10.10.0.100", "10.10.0.101", 3, 3, "port unreachable"]);
  assert.deepEqual(icmp.about, { protocol: "udp", src: "10.10.0.101", dst: "10.10.0.100", srcPort: 4000, dstPort: 5000 });
});

test("TCP: the refused SYN and its RST, the handshake, data and FINs with relative numbers", () => {
  const rows = packets.slice(4).map((p) => [tcp(p).flags.join(","), tcp(p).relSeq, tcp(p).relAck, tcp(p).payloadLength]);
  assert.deepEqual(rows, [
    ["SYN", 0, null, 0], ["RST,ACK", 0, 1, 0],
    ["SYN", 0, null, 0], ["SYN,ACK", 0, 1, 0], ["ACK", 1, 1, 0],
    ["PSH,ACK", 1, 1, 51], ["ACK", 1, 52, 0], ["PSH,ACK", 1, 52, 82], ["ACK", 52, 83, 0],
    ["FIN,ACK", 52, 83, 0], ["ACK", 83, 53, 0], ["FIN,ACK", 83, 53, 0], ["ACK", 53, 84, 0],
  ]);
  assert.equal(tcp(packets[9]).payload.toString(), "But, soft! what light through yonder window breaks?");
  assert.equal(tcp(packets[4]).window, 64240);
  // The absolute numbers are the random ones on the wire.
  assert.notEqual(tcp(packets[6]).seq, 0);
});

test("a capture that starts mid-connection counts from the first segment seen", () => {
  const tracker = new SequenceTracker();
  const data = decodePacket(records[9], tracker) as TcpPacket;
  assert.equal(data.relSeq, 0);
  assert.equal(data.relAck, null, "the other direction's start is unknown");
  const ack = decodePacket(records[10], tracker) as TcpPacket;
  assert.equal(ack.relAck, 51);
});

test("frames the views do not show decode to null: ARP, IPv6, truncated", () => {
  const arp = { ...records[0], data: Buffer.concat([records[0].data.subarray(0, 12), Buffer.from([0x08, 0x06]), Buffer.alloc(28)]) };
  assert.equal(decodePacket(arp, new SequenceTracker()), null);
  const ipv6 = { ...records[0], data: Buffer.concat([records[0].data.subarray(0, 12), Buffer.from([0x86, 0xdd]), Buffer.alloc(40)]) };
  assert.equal(decodePacket(ipv6, new SequenceTracker()), null);
  assert.equal(decodePacket({ ...records[4], data: records[4].data.subarray(0, 40) }, new SequenceTracker()), null);
});

test("ICMP types in words", () => {
  assert.equal(icmpDescription(3, 3), "port unreachable");
  assert.equal(icmpDescription(3, 1), "host unreachable");
  assert.equal(icmpDescription(8, 0), "echo request");
  assert.equal(icmpDescription(42, 1), "type 42 code 1");
});
