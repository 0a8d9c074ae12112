// The local lab: two hosts with the topology's addresses and names, isolated from each other
// and from the machine, brought up and down idempotently, rolled back when up fails.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JULIET, ROMEO, ports } from "@sockets-typescript/topology";
import { ETC_NETNS } from "../src/lab/lab";
import { needsRoot, namespaces, nodeInHost, startInHost, testLab } from "./support/lab-fixture";

const lab = testLab("lt-");
const ours = () => namespaces().filter((ns) => ns.startsWith("lt-"));
/** The machine's own network state, which the lab must not touch. */
const machineNetwork = () =>
  ["link", "addr", "route"].map((what) => execFileSync("ip", ["-o", what, "show"], { encoding: "utf8" }).replace(/\s+\d+sec/g, "")).join("\n");

let before_: string;
before(() => {
  if (needsRoot) return;
  before_ = machineNetwork();
});
after(async () => {
  if (needsRoot) return;
  await lab.down();
  assert.deepEqual(ours(), [], "namespaces left behind");
  assert.equal(existsSync(`${ETC_NETNS}/lt-romeo`) || existsSync(`${ETC_NETNS}/lt-juliet`), false, "/etc/netns files left behind");
  assert.doesNotMatch(readFileSync("/proc/self/mountinfo", "utf8"), /\/lt-(romeo|juliet)\b/, "a namespace mount left behind");
});

test("up gives romeo and juliet their LAN addresses, names and hostnames", { skip: needsRoot }, async () => {
  await lab.up();
  assert.equal(await lab.isUp(), true);
  const status = await lab.status();
  assert.deepEqual(status.map((s) => [s.host, s.namespace, s.addresses, s.linkUp]), [
    ["romeo", "lt-romeo", [`${ROMEO}/24`], true],
    ["juliet", "lt-juliet", [`${JULIET}/24`], true],
  ]);
  const seen = nodeInHost(lab, "romeo", `const os=require("os"), dns=require("dns");
    dns.lookup("juliet", 4, (e, a) => console.log(os.hostname(), Object.keys(os.networkInterfaces()).join(","), a));`);
  assert.equal(seen.stdout.trim(), `romeo lo,lan0 ${JULIET}`, seen.stderr);
});

test("the machine's own links, addresses and routes are the same with the lab up", { skip: needsRoot }, async () => {
  await lab.up();
  assert.equal(machineNetwork(), before_);
});

test("up twice is fine, and down twice is fine", { skip: needsRoot }, async () => {
  await lab.up();
  await lab.up();
  assert.equal(await lab.isUp(), true);
  await lab.down();
  await lab.down();
  assert.deepEqual(ours(), []);
  assert.equal(await lab.isUp(), false);
  assert.equal(machineNetwork(), before_, "down left the machine's network changed");
});

test("romeo cannot bind juliet's address: EADDRNOTAVAIL", { skip: needsRoot }, async () => {
  await lab.up();
  const result = nodeInHost(lab, "romeo", `const socket = require("@sockets-typescript/socket");
    const s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    try { s.bind(["${JULIET}", ${ports.juliet}]); console.log("bound"); } catch (e) { console.log(e.name, e.code, e.message); }`);
  assert.equal(result.stdout.trim(), "OSError EADDRNOTAVAIL [Errno 99] Cannot assign requested address", result.stderr);
});

test("a datagram from romeo reaches juliet, and juliet's socket is not in romeo's socket table", { skip: needsRoot }, async () => {
  await lab.up();
  const receiver = startInHost(lab, "juliet", `const socket = require("@sockets-typescript/socket");
    const s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    s.settimeout(10);
    s.bind(["${JULIET}", ${ports.juliet}]);
    console.log("listening");
    s.recvfrom(1024).then(([data, addr]) => console.log("got", String(data), String(addr)), (e) => console.log(e.name, e.message));`, "listening");
  try {
    await receiver.ready;
    const table = (host: "romeo" | "juliet") => nodeInHost(lab, host, `console.log(require("child_process").execFileSync("ss", ["-uan"], {encoding: "utf8"}))`).stdout;
    assert.match(table("juliet"), new RegExp(`${JULIET.replace(/\./g, "\\.")}:${ports.juliet}\\b`));
    assert.doesNotMatch(table("romeo"), new RegExp(`:${ports.juliet}\\b`));
    const sent = nodeInHost(lab, "romeo", `const socket = require("@sockets-typescript/socket");
      const s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
      s.sendto(socket.b\`Hello\`, ["juliet", ${ports.juliet}]).then((n) => console.log(n));`);
    assert.equal(sent.stdout.trim(), "5", sent.stderr);
    await new Promise((resolve) => receiver.child.once("exit", resolve));
    assert.match(receiver.output(), new RegExp(`^got b'Hello' \\('${ROMEO.replace(/\./g, "\\.")}', \\d+\\)$`, "m"));
  } finally {
    receiver.child.kill();
  }
});

test("down ends the processes still running inside the hosts", { skip: needsRoot }, async () => {
  await lab.up();
  const sleeper = startInHost(lab, "romeo", `console.log("running"); setInterval(() => {}, 1000)`, "running");
  await sleeper.ready;
  assert.equal((await lab.pids("romeo")).length > 0, true);
  const exited = new Promise((resolve) => sleeper.child.once("exit", resolve));
  await lab.down();
  await exited;
  assert.deepEqual(ours(), []);
});

test("a failure half-way through up removes what up had made", { skip: needsRoot }, async () => {
  await lab.down();
  // A file where juliet's /etc/netns folder must go: writing juliet's /etc/hosts fails.
  mkdirSync(ETC_NETNS, { recursive: true });
  writeFileSync(`${ETC_NETNS}/lt-juliet`, "in the way\n");
  try {
    await assert.rejects(lab.up(), /EEXIST|ENOTDIR/);
    assert.deepEqual(ours(), [], "namespaces left after a failed up");
    assert.equal(existsSync(`${ETC_NETNS}/lt-romeo`), false, "romeo's /etc/netns folder left after a failed up");
  } finally {
    rmSync(`${ETC_NETNS}/lt-juliet`, { force: true });
  }
  assert.equal(machineNetwork(), before_);
});

test("a step killed half-way through up (its part made, then a Ctrl-C) is removed too", { skip: needsRoot }, async () => {
  await lab.down();
  // An ip that creates juliet's namespace and then dies of SIGINT, as a Ctrl-C to the process
  // group can make it: the namespace exists, and the step failed.
  const realIp = execFileSync("sh", ["-c", "command -v ip"], { encoding: "utf8" }).trim();
  const bin = mkdtempSync(join(tmpdir(), "lab-test-ip-"));
  writeFileSync(join(bin, "ip"), `#!/bin/sh\n${realIp} "$@"\nstatus=$?\nif [ "$*" = "netns add lt-juliet" ]; then kill -INT $$; fi\nexit $status\n`);
  chmodSync(join(bin, "ip"), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  try {
    await assert.rejects(lab.up(), /ip netns add lt-juliet failed/);
  } finally {
    process.env.PATH = path;
    rmSync(bin, { recursive: true, force: true });
  }
  assert.deepEqual(ours(), [], "namespaces left after a step killed half-way");
  assert.equal(machineNetwork(), before_);
});
