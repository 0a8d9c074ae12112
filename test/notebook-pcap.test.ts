// The pcap reader on a real capture (test/fixtures/notebook/walkthrough.pcap, written by tcpdump
// in the lab by capture-fixture.sh), fed whole and in small pieces as tcpdump's pipe delivers it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePcap, PcapStreamParser, PcapFormatError, NotebookError } from "@sockets-typescript/notebook";
import { projectRoot } from "./support/lab-fixture";

const capture = readFileSync(join(projectRoot, "test", "fixtures", "notebook", "walkthrough.pcap"));

test("a whole capture: 17 Ethernet records with times, lengths and bytes", () => {
  const records = parsePcap(capture);
  assert.equal(records.length, 17);
  assert.ok(records.every((r) => r.linkType === 1));
  // The first: juliet's 5-byte datagram, 14 + 20 + 8 + 5 bytes on the wire.
  assert.equal(records[0].wireLength, 47);
  assert.equal(records[0].data.length, 47);
  assert.ok(records.every((r, i) => i === 0 || r.timeUs >= records[i - 1].timeUs));
  assert.ok(records[0].timeUs > 1.7e15, "microseconds since the epoch");
});

test("the same records when the stream arrives in pieces of any size", () => {
  const whole = parsePcap(capture);
  for (const size of [1, 7, 16, 100]) {
    const parser = new PcapStreamParser();
    const records = [];
    for (let at = 0; at < capture.length; at += size) records.push(...parser.push(capture.subarray(at, at + size)));
    assert.deepEqual(records, whole, `pieces of ${size} bytes`);
  }
});

test("a record cut short waits for the rest", () => {
  const parser = new PcapStreamParser();
  assert.equal(parser.push(capture.subarray(0, 24 + 16 + 10)).length, 0);
  assert.equal(parser.push(capture.subarray(24 + 16 + 10, 24 + 16 + 47)).length, 1);
});

test("a stream that is not pcap: PcapFormatError with its code and message", () => {
  assert.throws(() => parsePcap(Buffer.from("tcpdump: lan0: No such device exists\n")), (error: unknown) => {
    assert.ok(error instanceof PcapFormatError && error instanceof NotebookError);
    assert.equal(error.code, "ERR_NOTEBOOK_PCAP");
    assert.equal(error.message, "not a pcap stream (magic 0x74637064)");
    assert.equal(String(error.stack), "PcapFormatError: not a pcap stream (magic 0x74637064)");
    return true;
  });
  const corrupt = Buffer.from(capture.subarray(0, 40));
  corrupt.writeUInt32LE(10_000_000, 24 + 8);
  assert.throws(() => parsePcap(corrupt), { code: "ERR_NOTEBOOK_PCAP", message: "a pcap record of 10000000 bytes: the stream is not pcap or is corrupt" });
});
