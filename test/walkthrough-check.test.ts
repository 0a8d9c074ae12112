// The walkthrough's step checks: what counts as a deviation, on made-up transcripts.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HostName } from "@sockets-typescript/topology";
import type { TranscriptEntry } from "../src/runner/run-pair";
import { checkWalkthrough } from "../src/runner/walkthrough-check";
import { udpExpectations, tcpExpectations } from "../src/runner/walkthrough-expectations";

let index = 0;
function cell(step: string, host: HostName, stdout: string, options: Partial<TranscriptEntry> = {}): TranscriptEntry {
  index += 1;
  return { index, host, step, position: index, code: "", raisesException: false, waitsForPeer: false, status: "ok", stdout, stderr: "", ms: 1, ...options };
}
const problemsOf = (entries: TranscriptEntry[], step: string) =>
  checkWalkthrough(entries, udpExpectations.concat(tcpExpectations)).filter((d) => d.step === step).map((d) => d.problem);

test("a step that shows what the walkthrough says has no deviation", () => {
  assert.deepEqual(problemsOf([cell("U5", "juliet", "sendto returned 5\n")], "U5"), []);
  assert.deepEqual(problemsOf([cell("T10", "juliet", "", { status: "error", raisesException: true, stderr: "OSError: [Errno 107] Transport endpoint is not connected\n" })], "T10"), []);
});

test("a wrong count is a deviation that says what was expected", () => {
  const [problem] = problemsOf([cell("U5", "juliet", "sendto returned 4\n")], "U5");
  assert.match(problem, /expected sendto returned 5/);
});

test("a deliberate failure that succeeds, or fails with another errno, is a deviation", () => {
  assert.match(problemsOf([cell("U3", "juliet", "", { raisesException: true })], "U3")[0], /should fail but succeeded/);
  const other = cell("T4", "romeo", "", { status: "error", raisesException: true, stderr: "TimeoutError: timed out\n" });
  assert.match(problemsOf([other], "T4")[0], /ConnectionRefusedError: \[Errno 111\] Connection refused/);
});

test("an error shown with a stack of internals is a deviation", () => {
  const stack = "OSError: [Errno 98] Address already in use\n    at Socket.bind (socket.ts:120:11)\n";
  assert.match(problemsOf([cell("U3", "juliet", "", { status: "error", raisesException: true, stderr: stack })], "U3")[0], /stack trace/);
});

test("the peer's port must be the ephemeral port the other host was given", () => {
  const sent = cell("U6", "romeo", "sendto returned 5\nthe OS picked ('0.0.0.0', 40000)\n");
  assert.deepEqual(problemsOf([sent, cell("U7", "juliet", "received b'Hello' from ('10.10.0.100', 40000)\n")], "U7"), []);
  const wrong = problemsOf([sent, cell("U7", "juliet", "received b'Hello' from ('10.10.0.100', 40001)\n")], "U7");
  assert.match(wrong[0], /peer port 40001 is not romeo's UDP ephemeral port 40000/);
});

test("a failed cell outside a deliberate failure, or a missing step, is a deviation", () => {
  const failed = cell("U8", "juliet", "", { status: "error", stderr: "ReferenceError: addr is not defined\n" });
  assert.match(problemsOf([failed], "U8")[0], /failed: ReferenceError: addr is not defined/);
  assert.match(problemsOf([], "U9")[0], /no cell for this step in romeo's notebook/);
  assert.match(problemsOf([cell("U9", "juliet", "")], "U9").join("\n"), /belongs to no step of the walkthrough on juliet/);
});
