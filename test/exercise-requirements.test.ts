// The exercise checker's verdicts, requirement by requirement, on made-up transcripts.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HostName } from "@sockets-typescript/topology";
import { RECEIVED_PREFIX, SENT_PREFIX, linesOf } from "@sockets-typescript/dialogue";
import { judgeExercise } from "../src/runner/exercise-requirements";
import type { TranscriptEntry } from "../src/runner/run-pair";
import type { LineArrival } from "../src/runner/wire-watch";

let index = 0;
function cell(host: HostName, step: string, lines: string[], options: Partial<TranscriptEntry> = {}): TranscriptEntry {
  index += 1;
  return { index, host, step, position: index, code: "", raisesException: false, waitsForPeer: false, status: "ok", stdout: lines.map((l) => l + "\n").join(""), stderr: "", ms: 1, ...options };
}
const sends = (host: HostName) => linesOf(host).map((l) => SENT_PREFIX + l.text);
const receives = (from: HostName) => linesOf(from).map((l) => RECEIVED_PREFIX + l.text);
const good = () => [
  cell("juliet", "setup", linesOf("romeo").map((l) => `  ${l.seq}. ROMEO: ${l.text}`)),
  cell("romeo", "B4", sends("romeo")),
  cell("juliet", "B5", receives("romeo")),
  cell("juliet", "B6", sends("juliet")),
  cell("romeo", "B7", receives("juliet")),
];
const verdict = (entries: TranscriptEntry[], n: number, arrivals: LineArrival[] | null = null) => judgeExercise(entries, arrivals)[n];

test("a complete exchange meets all three requirements", () => {
  const verdicts = judgeExercise(good(), null);
  assert.deepEqual(verdicts.map((v) => v.passed), [true, true, true]);
});

test("lines that arrive run together fail delivery, and the report says to frame them", () => {
  const entries = good();
  entries[2] = cell("juliet", "B5", [RECEIVED_PREFIX + linesOf("romeo").map((l) => l.text).join("")]);
  const delivery = verdict(entries, 0);
  assert.equal(delivery.passed, false);
  assert.match(delivery.details.join("\n"), /juliet never showed lines 1, 2, 3, 4, 5, 6, 7 and 8 from romeo/);
  assert.match(delivery.details.join("\n"), /lines 1, 2, 3, 4, 5, 6, 7 and 8 run together as one.*frame the lines/);
  assert.match(verdict(entries, 1).details.join("\n"), /juliet did not print lines 1, .* as "received: <line>"/);
});

test("a lost line fails delivery even when nothing failed, and the LAN counters are reported", () => {
  const entries = good();
  entries[2] = cell("juliet", "B5", receives("romeo").filter((_, i) => i !== 3));
  const arrivals: LineArrival[] = linesOf("romeo").map((line) => ({ line, receiver: "juliet", packets: line.seq === 4 ? 0 : 1, dropped: line.seq === 4 ? 1 : 0 }));
  const delivery = verdict(entries, 0, arrivals);
  assert.equal(delivery.passed, false);
  assert.deepEqual(delivery.details, ["juliet never showed line 4 from romeo", "no packet carrying line 4 reached juliet over the LAN"]);
  assert.equal(verdict(entries, 2).passed, true);
});

test("lines shown out of order, twice, or altered fail delivery", () => {
  const swapped = good();
  const lines = receives("juliet");
  swapped[4] = cell("romeo", "B7", [lines[1], lines[0], lines[2], lines[3]]);
  assert.match(verdict(swapped, 0).details.join("\n"), /romeo showed juliet's lines out of order: 10, 9, 11, 12/);
  const twice = good();
  twice[4] = cell("romeo", "B7", [...lines, lines[3]]);
  assert.match(verdict(twice, 0).details.join("\n"), /line 12 more than once/);
  const altered = good();
  altered[4] = cell("romeo", "B7", [...lines.slice(0, 3), RECEIVED_PREFIX + linesOf("juliet")[3].text.toUpperCase()]);
  assert.match(verdict(altered, 0).details.join("\n"), /never spoke/);
});

test("a line received but never printed as sent fails the printing requirement only", () => {
  const entries = good();
  entries[1] = cell("romeo", "B4", sends("romeo").slice(1));
  assert.deepEqual(judgeExercise(entries, null).map((v) => v.passed), [true, false, true]);
  assert.match(verdict(entries, 1).details[0], /romeo did not print line 1 as "sent: <line>"/);
});

test("a failed or unfinished cell fails the last requirement with its first error line", () => {
  const entries = good();
  entries.push(cell("romeo", "B8", [], { status: "error", stderr: "Error: the dialogue did not arrive intact:\n  line 9 ...\n" }));
  entries.push(cell("juliet", "B8", [], { status: "timeout", stderr: "(runner: no reply within 20 s; interrupted the kernel)\n" }));
  const failed = verdict(entries, 2);
  assert.equal(failed.passed, false);
  assert.match(failed.details[0], /romeo's cell \d+ \(step B8\) failed: Error: the dialogue did not arrive intact:/);
  assert.match(failed.details[1], /juliet's cell \d+ \(step B8\) did not finish/);
});
