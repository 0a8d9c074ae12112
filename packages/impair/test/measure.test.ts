// The measurement's arithmetic: loss, duplicates, reordering and delay from two logs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyse, payloadOf } from "../src/measure";

test("loss, duplicates, reordering and the median delay", () => {
  const sent = { events: [0, 1, 2, 3, 4].map((s) => [s, s * 1e6] as [number, number]) };
  // 2 lost; 3 arrives before 1 (1 is overtaken); 4 arrives twice.
  const received = { events: [[0, 10e6], [3, 13e6], [1, 14e6], [4, 15e6], [4, 15.5e6]] as [number, number][] };
  const m = analyse(sent, received);
  assert.deepEqual(m.lost, [2]);
  assert.equal(m.loss, 0.2);
  assert.equal(m.received, 4);
  assert.equal(m.duplicate, 0.25);
  assert.equal(m.reorder, 0.25);
  assert.equal(m.medianDelayMs, 11);
});

test("a datagram's bytes depend only on its number (a replay sends the same bytes)", () => {
  assert.deepEqual(payloadOf(12), payloadOf(12));
  assert.match(payloadOf(12).toString(), /^datagram 000012 x+$/);
});
