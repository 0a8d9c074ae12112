// The NFQUEUE messages byte for byte (the layout of linux/netfilter/nfnetlink_queue.h), and the
// reading of a packet message as the kernel sends it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { configCommand, configParams, verdict, parseMessages, NFQNL_CFG_CMD_BIND, NF_ACCEPT } from "../src/nfqueue";

test("bind command: header, nfgenmsg with the queue big-endian, the command attribute", () => {
  const m = configCommand(30002, NFQNL_CFG_CMD_BIND, 1);
  assert.equal(m.length, 28);
  assert.equal(m.readUInt32LE(0), 28); // nlmsg_len
  assert.equal(m.readUInt16LE(4), 0x0302); // NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_CONFIG
  assert.equal(m.readUInt16LE(6), 1 | 4); // NLM_F_REQUEST | NLM_F_ACK
  assert.equal(m.readUInt32LE(8), 1); // seq
  assert.equal(m.readUInt16BE(18), 30002); // res_id
  assert.equal(m.readUInt16LE(20), 8); // nla_len
  assert.equal(m.readUInt16LE(22), 1); // NFQA_CFG_CMD
  assert.deepEqual([...m.subarray(24, 28)], [1, 0, 0, 2]); // BIND, pad, AF_INET big-endian
});

test("params: copy range, copy mode (padded to 4), queue length", () => {
  const m = configParams(7, 0xffff, 10000, 2);
  assert.equal(m.length, 20 + 12 + 8);
  assert.equal(m.readUInt16LE(20), 9);
  assert.equal(m.readUInt32BE(24), 0xffff);
  assert.equal(m[28], 2); // NFQNL_COPY_PACKET
  assert.equal(m.readUInt16LE(34), 3); // NFQA_CFG_QUEUE_MAXLEN
  assert.equal(m.readUInt32BE(36), 10000);
});

test("verdict: verdict and packet id big-endian", () => {
  const m = verdict(7, 0x01020304, NF_ACCEPT);
  assert.equal(m.readUInt16LE(4), 0x0301);
  assert.equal(m.readUInt16LE(22), 2); // NFQA_VERDICT_HDR
  assert.equal(m.readUInt32BE(24), 1);
  assert.equal(m.readUInt32BE(28), 0x01020304);
});

test("a packet message and an acknowledgement, read back", () => {
  const payload = Buffer.from([0x45, 0, 0, 20]);
  const pkt = Buffer.alloc(20 + 12 + 8);
  pkt.writeUInt32LE(pkt.length, 0);
  pkt.writeUInt16LE(0x0300, 4);
  pkt.writeUInt16BE(7, 18);
  pkt.writeUInt16LE(11, 20); // NFQA_PACKET_HDR: id, hw_protocol, hook (7 bytes)
  pkt.writeUInt16LE(1, 22);
  pkt.writeUInt32BE(99, 24);
  pkt.writeUInt16BE(0x0800, 28);
  pkt[30] = 4;
  pkt.writeUInt16LE(8, 32); // NFQA_PAYLOAD
  pkt.writeUInt16LE(10, 34);
  payload.copy(pkt, 36);
  const ack = Buffer.alloc(36);
  ack.writeUInt32LE(36, 0);
  ack.writeUInt16LE(2, 4);
  ack.writeUInt32LE(5, 8);
  ack.writeInt32LE(-1, 16);
  const [p, a] = parseMessages(Buffer.concat([pkt, ack]));
  assert.deepEqual(p, { kind: "packet", queue: 7, id: 99, hook: 4, payload });
  assert.deepEqual(a, { kind: "ack", seq: 5, error: -1 });
});
