// The capture without the lab: real tcpdump on the loopback interface (traffic only to
// 127.0.0.1), its pcap parsed in memory, windows between boundaries, and the ways it fails
// (no such interface, no tcpdump, no sudo) as one line. Needs root for tcpdump.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { Capture, captureArgv, failureLine, realtimeUs, WATCHER_SCRIPT } from "@sockets-typescript/notebook";
import { isRoot } from "./support/lab-fixture";
import { alive } from "./support/processes";

const needsRoot = isRoot ? false : "needs root (tcpdump)";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("the command: sh with the watcher around tcpdump, under sudo -n when not root", () => {
  const options = { interface: "lan0", filter: "udp", sudo: false };
  assert.deepEqual(captureArgv(options), ["sh", "-c", WATCHER_SCRIPT, "sh", "-i", "lan0", "-n", "-U", "--immediate-mode", "-s", "256", "-w", "-", "udp"]);
  assert.deepEqual(captureArgv({ ...options, sudo: true }).slice(0, 4), ["sudo", "-n", "sh", "-c"]);
});

test("failures in one line: tcpdump's or sudo's words, else the exit status", () => {
  assert.equal(failureLine("tcpdump: nosuch0: No such device exists\n(No such device exists)\ntcpdump exited with status 1\n"), "tcpdump: nosuch0: No such device exists");
  assert.equal(failureLine("sudo: a password is required\n"), "sudo: a password is required");
  assert.equal(failureLine("tcpdump: listening on lan0, link-type EN10MB\ntcpdump exited with status 143\n"), "tcpdump exited with status 143");
  // through sudo (a testbed's login user): sudo's refusal names the rule that is missing
  assert.match(failureLine("sudo: a password is required\n", { sudo: true, interface: "ens7" }),
    /^the wire view's capture needs root and \S+ is not root: it runs `sudo -n sh -c 'tcpdump -i ens7 \.\.\.'`, and sudo refused \(a password is required\)\. Give \S+ password-less sudo: the line "\S+ ALL=\(ALL\) NOPASSWD: ALL" in \/etc\/sudoers\.d\/90-/);
  assert.equal(failureLine("tcpdump: ens7: No such device exists\ntcpdump exited with status 1\n", { sudo: true, interface: "ens7" }), "tcpdump: ens7: No such device exists");
});

/**
 * tcpdump on lo for UDP to `port`, listening, and a socket to send from. Whatever fails in the
 * test, both end with it (a failed assertion once left both, and the file waited forever).
 */
async function loopbackCapture(t: TestContext, port: number): Promise<{ capture: Capture; sender: Socket }> {
  const capture = new Capture({ interface: "lo", filter: `udp port ${port}`, sudo: false });
  const sender = createSocket("udp4");
  t.after(() => {
    sender.close();
    capture.stop();
  });
  await capture.started();
  assert.equal(capture.state, "running", String(capture.problem));
  return { capture, sender };
}

test("a real capture on loopback: datagrams parsed, windows split at boundaries, stop ends tcpdump", { skip: needsRoot, timeout: 30_000 }, async (t) => {
  const { capture, sender } = await loopbackCapture(t, 45679);
  const send = (text: string) => new Promise<void>((resolve) => sender.send(text, 45679, "127.0.0.1", () => resolve()));
  const start = capture.boundary();
  await send("one");
  await send("two");
  const middle = capture.boundary();
  await send("three");
  await capture.flush();
  const end = capture.boundary();
  const first = capture.between(start, middle).packets.map((p) => p.protocol === "udp" && p.payload.toString());
  const second = capture.between(middle, end).packets.map((p) => p.protocol === "udp" && p.payload.toString());
  // On loopback each datagram is seen once (lo's capture sees outgoing only once). The kernel
  // stamps a datagram during sendto, before the send's callback: the boundaries are on the same
  // clock, so each datagram is in the window it was sent in, exactly.
  assert.deepEqual(first, ["one", "two"]);
  assert.deepEqual(second, ["three"]);
  // A window whose end time is before packets it already parsed (tcpdump delivered them late):
  // they are not shown now, and the next window, chained from this one, shows them.
  const early = capture.between(start, { position: capture.boundary().position, timeUs: start.timeUs });
  assert.deepEqual(early.packets, []);
  const chained = capture.between(early.next, capture.boundary()).packets.map((p) => p.protocol === "udp" && p.payload.toString());
  assert.deepEqual(chained, ["one", "two", "three"]);
  const flushed = await capture.flush();
  assert.ok(flushed >= 6 && flushed < 1000, `flush waited ${flushed} ms`);
  const sh = capture.child.pid!;
  capture.stop();
  for (let i = 0; i < 100 && alive(sh); i++) await sleep(50);
  assert.equal(alive(sh), false, "the capture's sh ended after stop()");
  assert.equal(capture.state, "failed");
});

test("the boundaries' clock is the packets' clock: each of 200 datagrams lies between the instants around its send", { skip: needsRoot, timeout: 30_000 }, async (t) => {
  const { capture, sender } = await loopbackCapture(t, 45680);
  const instants: Array<[number, number]> = [];
  for (let i = 0; i < 200; i++) {
    const before = realtimeUs();
    await new Promise<void>((resolve) => sender.send(`d${i}`, 45680, "127.0.0.1", () => resolve()));
    instants.push([before, realtimeUs()]);
  }
  // With a kernel filter flush() waits only for a quiet moment (no counters to compare): under
  // load tcpdump may deliver the last ones later, so wait for all 200, at most 5 s.
  const all = () => capture.between({ position: 0, timeUs: 0 }, capture.boundary()).packets;
  for (const until = Date.now() + 5000; all().length < 200 && Date.now() < until; ) await capture.flush();
  const packets = all();
  assert.equal(packets.length, 200);
  const outside = packets.map((p, i) => ({ i, us: p.timeUs, window: instants[i] })).filter(({ us, window }) => us < Math.floor(window[0]) || us >= window[1]);
  assert.deepEqual(outside, [], "a datagram stamped outside the instants around its send");
});

test("no such interface: the capture says tcpdump's words", { skip: needsRoot, timeout: 30_000 }, async () => {
  const capture = new Capture({ interface: "nosuch0", filter: "udp", sudo: false });
  await capture.started();
  assert.equal(capture.state, "failed");
  assert.match(String(capture.problem), /^tcpdump: nosuch0: No such device exists/);
});

test("no tcpdump on the host: the shell's words", { timeout: 30_000 }, async () => {
  const capture = new Capture({ interface: "lo", filter: "udp", sudo: false, tcpdump: "/nonexistent/tcpdump" });
  await capture.started();
  assert.equal(capture.state, "failed");
  assert.match(String(capture.problem), /\/nonexistent\/tcpdump: not found/);
});
