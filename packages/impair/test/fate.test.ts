// A packet's fate depends on the seed and the packet, never on the clock: rates come out as
// asked, the same seed gives the same fates, ports/ids/sequence numbers do not matter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fateOf, packetKey, murmur3, OccurrenceCounter } from "../src/fate";

const key = (i: number) => Buffer.from(`line ${i}`);

test("rates over 100,000 packets are what was asked", () => {
  const spec = { loss: 0.2, duplicate: 0.05, reorder: 0.1, delayMs: 50, jitterMs: 10 };
  let drop = 0, dup = 0, reorder = 0, minDelay = Infinity, maxDelay = 0, sum = 0;
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const f = fateOf(spec, 7, key(i), 0);
    drop += +f.drop;
    dup += +f.duplicate;
    reorder += +f.reorder;
    minDelay = Math.min(minDelay, f.delayMs);
    maxDelay = Math.max(maxDelay, f.delayMs);
    sum += f.delayMs;
  }
  assert.ok(Math.abs(drop / n - 0.2) < 0.01, `loss ${drop / n}`);
  assert.ok(Math.abs(dup / n - 0.05) < 0.005, `duplicate ${dup / n}`);
  assert.ok(Math.abs(reorder / n - 0.1) < 0.01, `reorder ${reorder / n}`);
  assert.ok(minDelay >= 40 && maxDelay <= 60 && Math.abs(sum / n - 50) < 0.2, `delay ${minDelay}..${maxDelay}, mean ${sum / n}`);
});

test("same seed, same packet, same occurrence: same fate; another seed or occurrence: another draw", () => {
  const spec = { loss: 0.5 };
  const pattern = (seed: number, occurrence: number) => Array.from({ length: 200 }, (_, i) => fateOf(spec, seed, key(i), occurrence).drop);
  assert.deepEqual(pattern(1, 0), pattern(1, 0));
  assert.notDeepEqual(pattern(1, 0), pattern(2, 0));
  assert.notDeepEqual(pattern(1, 0), pattern(1, 1), "a packet sent again gets a fresh chance");
});

test("one feature's setting never changes another's decisions", () => {
  const lossOnly = Array.from({ length: 500 }, (_, i) => fateOf({ loss: 0.3 }, 5, key(i), 0).drop);
  const withAll = Array.from({ length: 500 }, (_, i) => fateOf({ loss: 0.3, duplicate: 0.5, reorder: 0.5, delayMs: 9, jitterMs: 3 }, 5, key(i), 0).drop);
  assert.deepEqual(lossOnly, withAll);
});

function udp(sport: number, id: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  const ip = Buffer.alloc(28 + body.length);
  ip[0] = 0x45;
  ip.writeUInt16BE(ip.length, 2);
  ip.writeUInt16BE(id, 4);
  ip[8] = 64;
  ip[9] = 17;
  ip.set([10, 10, 0, 100], 12);
  ip.set([10, 10, 0, 101], 16);
  ip.writeUInt16BE(sport, 20);
  ip.writeUInt16BE(4000, 22);
  ip.writeUInt16BE(8 + body.length, 24);
  ip.writeUInt16BE(sport ^ id, 26); // a checksum that differs
  body.copy(ip, 28);
  return ip;
}

function tcp(seq: number, flags: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  const ip = Buffer.alloc(40 + body.length);
  ip[0] = 0x45;
  ip[9] = 6;
  ip.writeUInt32BE(seq, 24);
  ip[32] = 5 << 4;
  ip[33] = flags;
  body.copy(ip, 40);
  return ip;
}

test("the key is the transport payload: ports, IP ids, checksums and TCP sequence numbers are left out", () => {
  assert.deepEqual(packetKey(udp(40000, 1, "hello")), packetKey(udp(51234, 999, "hello")));
  assert.notDeepEqual(packetKey(udp(40000, 1, "hello")), packetKey(udp(40000, 1, "hellO")));
  assert.deepEqual(packetKey(tcp(1000, 0x18, "data")), packetKey(tcp(987654, 0x18, "data")));
  assert.notDeepEqual(packetKey(tcp(1000, 0x10, "")), packetKey(tcp(1000, 0x11, "")), "an ACK and a FIN differ");
  assert.deepEqual([...packetKey(udp(1, 1, "ab"))], [17, 0, 97, 98]);
});

test("occurrences count per key", () => {
  const c = new OccurrenceCounter(3);
  assert.deepEqual([c.next(key(1)), c.next(key(1)), c.next(key(2)), c.next(key(1))], [0, 1, 0, 2]);
  c.next(key(3));
  assert.equal(c.next(key(4)), 0, "past the limit the counts start over");
  assert.equal(c.next(key(1)), 0);
});

test("murmur3 matches the reference values", () => {
  assert.equal(murmur3(Buffer.from(""), 0), 0);
  assert.equal(murmur3(Buffer.from(""), 1), 0x514e28b7);
  assert.equal(murmur3(Buffer.from("hello"), 0), 0x248bfa47);
  assert.equal(murmur3(Buffer.from("The quick brown fox jumps over the lazy dog"), 0), 0x2e4ff723);
});
