// The walkthrough's step checks: what counts as a deviation, on made-up transcripts.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HostName } from "@sockets-typescript/topology";
import type { TranscriptEntry } from "../src/session/cell-recorder";
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
  const wire = "wire on juliet (lan0): 2 packets since the previous view:\n    1     +0.000 ms  juliet:4000 -> romeo:5000  UDP length=13 (5 bytes) b'Hello'\n    2     +0.131 ms  romeo -> juliet  ICMP port unreachable (about UDP juliet:4000 -> romeo:5000)\n";
  assert.deepEqual(problemsOf([cell("U5", "juliet", `sendto returned 5\n${wire}`)], "U5"), []);
  assert.deepEqual(problemsOf([cell("T10", "juliet", "", { status: "error", raisesException: true, stderr: "OSError: [Errno 107] Transport endpoint is not connected\n" })], "T10"), []);
});

test("the views must show what the step caused: U5's ICMP, T4's RST, T6's handshake in order", () => {
  const line = (n: number, text: string) => `  ${String(n).padStart(3)}  ${"+0.000 ms".padStart(12)}  ${text}\n`;
  const u5 = problemsOf([cell("U5", "juliet", `sendto returned 5\n${line(1, "juliet:4000 -> romeo:5000  UDP length=13 (5 bytes) b'Hello'")}`)], "U5");
  assert.match(u5[0], /expected romeo's ICMP port unreachable about that datagram on the wire after juliet:4000 -> romeo:5000/);
  const refused = { status: "error" as const, raisesException: true, stderr: "ConnectionRefusedError: [Errno 111] Connection refused\n" };
  const t4 = (wire: string) => problemsOf([cell("T4", "romeo", "", refused), cell("T4", "romeo", wire)], "T4");
  assert.deepEqual(t4(line(1, "romeo:41000 -> juliet:4000  TCP [SYN] seq=0 win=64240") + line(2, "juliet:4000 -> romeo:41000  TCP [RST, ACK] seq=0 ack=1 win=0")), []);
  assert.match(t4(line(1, "romeo:41000 -> juliet:4000  TCP [SYN] seq=0 win=64240"))[0], /expected juliet's RST from port 4000 on the wire after romeo's SYN to juliet:4000/);
  const t6 = (wire: string[]) => problemsOf([cell("T6", "romeo", `connected <socket.socket fd=5, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=('10.10.0.100', 41002), raddr=('10.10.0.101', 4000)>\n${wire.map((w, i) => line(i + 1, w)).join("")}ESTAB            0      0  10.10.0.100:41002      10.10.0.101:4000 \n`)], "T6");
  const syn = "romeo:41002 -> juliet:4000  TCP [SYN] seq=0 win=64240";
  const synAck = "juliet:4000 -> romeo:41002  TCP [SYN, ACK] seq=0 ack=1 win=65160";
  const ack = "romeo:41002 -> juliet:4000  TCP [ACK] seq=1 ack=1 win=63";
  assert.deepEqual(t6([syn, synAck, ack]), []);
  assert.match(t6([synAck, syn, ack])[0], /expected juliet's SYN-ACK on the wire after romeo's SYN/);
  assert.match(t6([syn, synAck])[0], /expected romeo's ACK on the wire after juliet's SYN-ACK/);
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
  const wire = "    1     +0.000 ms  romeo:40000 -> juliet:4000  UDP length=13 (5 bytes) b'Hello'\n";
  assert.deepEqual(problemsOf([sent, cell("U7", "juliet", `received b'Hello' from ('10.10.0.100', 40000)\n${wire}`)], "U7"), []);
  const wrong = problemsOf([sent, cell("U7", "juliet", "received b'Hello' from ('10.10.0.100', 40001)\n")], "U7");
  assert.match(wrong[0], /peer port 40001 is not romeo's UDP ephemeral port 40000/);
});

test("a failed cell outside a deliberate failure, or a missing step, is a deviation", () => {
  const failed = cell("U8", "juliet", "", { status: "error", stderr: "ReferenceError: addr is not defined\n" });
  assert.match(problemsOf([failed], "U8")[0], /failed: ReferenceError: addr is not defined/);
  assert.match(problemsOf([], "U9")[0], /no cell for this step in romeo's notebook/);
  assert.match(problemsOf([cell("U9", "juliet", "")], "U9").join("\n"), /belongs to no step of the walkthrough on juliet/);
});
