// The exercise checker's verdicts, requirement by requirement, on made-up transcripts.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HostName } from "@sockets-typescript/topology";
import { RECEIVED_PREFIX, SENT_PREFIX, linesOf, makeVariant, variantLines } from "@sockets-typescript/dialogue";
import { combineCases, errorLines, judgeExercise } from "../src/grader/exercise-requirements";
import type { LineArrival, RunLines } from "../src/grader/lines";
import type { TranscriptEntry } from "../src/session/cell-recorder";

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
  assert.match(failed.details[1], /juliet's cell \d+ \(step B8\) did not finish within 20 s$/);
});

// A checked run: every line carries a word only its speaker's kernel knew.
const run = (): RunLines => ({ juliet: variantLines(makeVariant("juliet")), romeo: variantLines(makeVariant("romeo")) });
const runGood = (lines: RunLines) => [
  cell("romeo", "B4", lines.romeo.map((l) => SENT_PREFIX + l.text)),
  cell("juliet", "B5", lines.romeo.map((l) => RECEIVED_PREFIX + l.text)),
  cell("juliet", "B6", lines.juliet.map((l) => SENT_PREFIX + l.text)),
  cell("romeo", "B7", lines.juliet.map((l) => RECEIVED_PREFIX + l.text)),
];

test("in a checked run the words of each line must arrive: the run's lines pass, the written ones do not", () => {
  const lines = run();
  assert.deepEqual(judgeExercise(runGood(lines), null, lines).map((v) => v.passed), [true, true, true]);
  // The written dialogue (what a receiver prints from the data it imports) is not this run's.
  assert.deepEqual(judgeExercise(good(), null, lines).map((v) => v.passed), [false, false, true]);
});

test("a receiver that prints its partner's lines from the dialogue data is named as such", () => {
  const lines = run();
  const entries = runGood(lines);
  entries[1] = cell("juliet", "B5", linesOf("romeo").map((l) => RECEIVED_PREFIX + l.text));
  assert.deepEqual(verdict2(entries, lines, 0).details, [
    "juliet showed lines 1, 2, 3, 4, 5, 6, 7 and 8 from romeo without this run's words: printed from the dialogue data, not read off the socket",
  ]);
});

test("reading 3 lines and printing 5 from the data: the 5 are named, the 3 pass", () => {
  const lines = run();
  const entries = runGood(lines);
  entries[1] = cell("juliet", "B5", [...lines.romeo.slice(0, 3).map((l) => l.text), ...linesOf("romeo").slice(3).map((l) => l.text)].map((t) => RECEIVED_PREFIX + t));
  assert.deepEqual(verdict2(entries, lines, 0).details, [
    "juliet showed lines 4, 5, 6, 7 and 8 from romeo without this run's words: printed from the dialogue data, not read off the socket",
  ]);
});

test("a line shown twice is a duplicate that should have been dropped", () => {
  const lines = run();
  const entries = runGood(lines);
  entries[3] = cell("romeo", "B7", [...lines.juliet, lines.juliet[1]].map((l) => RECEIVED_PREFIX + l.text));
  assert.deepEqual(verdict2(entries, lines, 0).details, ["romeo showed line 10 more than once (duplicated datagrams must be dropped)"]);
});

test("a word the speaker did not send in this run is named", () => {
  const lines = run();
  const other = run();
  const entries = runGood(lines);
  entries[3] = cell("romeo", "B7", [...lines.juliet.slice(0, 3), other.juliet[3]].map((l) => RECEIVED_PREFIX + l.text));
  assert.match(verdict2(entries, lines, 0).details.join("\n"), /romeo showed "And I'll no longer be a Capulet\. \[[a-z0-9]{6}\]" with a word juliet did not send in this run/);
});

test("failures that follow from an earlier failure on the same host are marked, and errors keep 3 lines", () => {
  const lines = run();
  const entries = runGood(lines);
  entries.push(cell("juliet", "B7", [], { status: "error", stderr: "TypeError: x is not a function\n    at line one\n    at line two\n    at line three\n" }));
  entries.push(cell("juliet", "B8", [], { status: "error", stderr: "ReferenceError: conn is not defined\n" }));
  const details = verdict2(entries, lines, 2).details;
  assert.match(details[0], /^juliet's cell \d+ \(step B7\) failed: TypeError: x is not a function \|     at line one \|     at line two \| \(1 more lines\)$/);
  assert.match(details[1], /^juliet's cell \d+ \(step B8\) failed: ReferenceError: conn is not defined \(follows from cell \d+'s failure\)$/);
  assert.equal(errorLines(cell("romeo", "B1", [], { status: "timeout", stderr: "(runner: no reply within 20 s)\n" })), "timeout");
});

test("the runs of a check combine: a requirement holds only if it holds in every run, failing runs are named", () => {
  const lines = run();
  const pass = judgeExercise(runGood(lines), null, lines);
  const fail = judgeExercise(good(), null, lines);
  const combined = combineCases([{ name: "seed 1", verdicts: pass }, { name: "seed 2", verdicts: fail }]);
  assert.deepEqual(combined.map((v) => v.passed), [false, false, true]);
  assert.ok(combined[0].details.every((d) => d.startsWith("[seed 2] ")));
  assert.match(combined[2].details[0], /\(in all 2 runs: seed 1, seed 2\)$/);
});

function verdict2(entries: TranscriptEntry[], lines: RunLines, n: number) {
  return judgeExercise(entries, null, lines)[n];
}
