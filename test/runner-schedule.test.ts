// The runner's reading of notebooks and its order of execution across the two hosts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readNotebook } from "../src/session/notebook";
import { schedule } from "../src/session/schedule";
import { walkthroughNotebooks } from "../src/runner/walkthrough";
import { projectRoot } from "./support/lab-fixture";

const order = (part: "udp" | "tcp") => schedule(walkthroughNotebooks(part)).map((cell) => `${cell.step}/${cell.host}`);

test("the start notebooks run both setups, then S1 to S7, switching to romeo for S6", () => {
  const steps = [...new Set(schedule(walkthroughNotebooks("basics")).map((cell) => `${cell.step}/${cell.host}`))];
  assert.deepEqual(steps, ["setup/juliet", "setup/romeo", "S1/juliet", "S2/juliet", "S3/juliet", "S4/juliet", "S5/juliet", "S6/romeo", "S7/juliet"]);
});

test("the UDP walkthrough runs both setups, then U1 to U10 in order, each on its host, then the demonstrations U11 to U16", () => {
  const steps = [...new Set(order("udp"))];
  assert.deepEqual(steps, ["setup/juliet", "setup/romeo", "U1/juliet", "U2/juliet", "U3/juliet", "U4/juliet", "U5/juliet", "U6/romeo", "U7/juliet", "U8/juliet", "U9/romeo", "U10/juliet", "U10/romeo",
    "U11/juliet", "U12/romeo", "U13/juliet", "U14/juliet", "U15/romeo", "U16/juliet"]);
});

test("the TCP walkthrough interleaves the hosts as T1 to T14 say, then the demonstrations T15 to T32", () => {
  const steps = [...new Set(order("tcp"))];
  assert.deepEqual(steps, ["setup/juliet", "setup/romeo", "T1/juliet", "T2/juliet", "T3/juliet", "T4/romeo", "T5/juliet", "T6/romeo", "T7/juliet", "T8/romeo", "T9/juliet", "T10/juliet", "T11/juliet", "T12/romeo", "T13/romeo", "T14/juliet",
    "T15/juliet", "T16/romeo", "T17/juliet", "T18/romeo", "T19/juliet", "T20/romeo", "T21/juliet", "T22/romeo", "T23/romeo", "T24/juliet", "T25/romeo", "T26/juliet", "T27/juliet", "T27/romeo", "T28/juliet", "T29/romeo", "T30/juliet", "T31/juliet", "T32/romeo"]);
});

test("a prediction comes first in its step and the step's judging cell after the action; a stop-button cell is read from its tags", () => {
  const u3 = schedule(walkthroughNotebooks("udp")).filter((cell) => cell.step === "U3");
  assert.deepEqual(u3.map((cell) => [cell.predict, cell.raisesException]), [[true, false], [false, false], [false, true], [false, false]]);
  assert.match(u3[3].code, /guessU3/);
  const u14 = schedule(walkthroughNotebooks("udp")).filter((cell) => cell.step === "U14");
  assert.deepEqual(u14.map((cell) => [cell.stopButton, cell.raisesException]), [[true, true]]);
  for (const [part, steps] of [["basics", ["S3"]], ["udp", ["U3", "U5"]], ["tcp", ["T4", "T6", "T10", "T17", "T25"]]] as const) {
    const predicted = [...new Set(schedule(walkthroughNotebooks(part)).filter((cell) => cell.predict).map((cell) => cell.step))];
    assert.deepEqual(predicted, steps, part);
  }
});

test("cells of one step keep their notebook order, and raises-exception is read from the tags", () => {
  const u3 = schedule(walkthroughNotebooks("udp")).filter((cell) => cell.step === "U3");
  assert.equal(u3.length, 4);
  assert.ok(u3.every((cell, i) => i === 0 || u3[i - 1].position < cell.position));
  assert.deepEqual(u3.map((cell) => cell.raisesException), [false, false, true, false]);
});

test("in the UDP exercise a receive that waits for the other host is marked, and the sender's step comes after it", () => {
  const dir = join(projectRoot, "notebooks", "solutions");
  const cells = schedule([readNotebook(join(dir, "03-balcony-udp-romeo.ipynb")), readNotebook(join(dir, "03-balcony-udp-juliet.ipynb"))]);
  const julietReceive = cells.findIndex((cell) => cell.step === "B3" && cell.host === "juliet");
  const romeoSend = cells.findIndex((cell) => cell.step === "B4" && cell.host === "romeo");
  assert.ok(cells[julietReceive].waitsForPeer);
  assert.ok(julietReceive < romeoSend);
  assert.equal(cells[0].host, "juliet", "juliet's setup first whatever the argument order");
});

test("the host comes from the kernelspec; a notebook for the other host or a file that is no notebook is refused", () => {
  const dir = mkdtempSync(join(tmpdir(), "runner-notebook-"));
  try {
    const julietFile = join(projectRoot, "notebooks", "01-udp-juliet.ipynb");
    assert.equal(readNotebook(julietFile).host, "juliet");
    assert.throws(() => readNotebook(julietFile, "romeo"), /this is juliet's notebook, expected romeo's/);
    const junk = join(dir, "junk.ipynb");
    writeFileSync(junk, "not json");
    assert.throws(() => readNotebook(junk), /not a readable notebook/);
    const anonymous = join(dir, "mine.ipynb");
    writeFileSync(anonymous, JSON.stringify({ cells: [], metadata: {} }));
    assert.throws(() => readNotebook(anonymous), /cannot tell which host/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
