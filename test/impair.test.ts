// Link impairment in the lab, measured: 1,000 numbered datagrams from romeo to juliet through
// the impairment, and what arrived. On this machine (no netem) it is the userspace stage.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { hosts } from "@sockets-typescript/topology";
import { impair, clearImpairment, activeImpairment, support } from "@sockets-typescript/impair";
import { needsRoot, testLab, namespaces, projectRoot, nodeInHost } from "./support/lab-fixture";
import { measureLink, running, traces } from "./support/impair-fixture";
import { LAN_INTERFACE } from "../src/lab/lab";

const lab = testLab("it-");
const romeo = { netns: lab.namespace("romeo"), iface: LAN_INTERFACE };
const juliet = { netns: lab.namespace("juliet"), iface: LAN_INTERFACE };
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

// node --test's file timeout ends a file by signal, without its after hooks: take the lab down then too.
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.once(sig, () => {
    spawnSync(process.execPath, ["dist/src/lab/cli.js", "down"], { cwd: projectRoot, env: { ...process.env, SOCKETS_LAB_PREFIX: "it-" } });
    process.exit(128 + (sig === "SIGTERM" ? 15 : 2));
  });
}

before(async () => {
  if (!needsRoot) await lab.up();
});
after(async () => {
  if (!needsRoot) await lab.down();
});

test("loss 20% and delay 50ms, measured over 1,000 datagrams: within 5 points and 20%", { skip: needsRoot }, async () => {
  const result = await impair(romeo, { loss: 0.2, delayMs: 50, seed: 11 });
  assert.equal(result.mechanism, support().netem ? "netem" : "userspace");
  assert.equal(result.seed, 11);
  const m = await measureLink(lab, "romeo", "juliet");
  console.log(`# loss asked 20%, measured ${pct(m.loss)}; delay asked 50 ms, median ${m.medianDelayMs.toFixed(1)} ms (${result.mechanism})`);
  assert.ok(Math.abs(m.loss - 0.2) <= 0.05, `loss ${pct(m.loss)}`);
  assert.ok(Math.abs(m.medianDelayMs - 50) <= 10, `median delay ${m.medianDelayMs} ms`);
  assert.equal(m.duplicate, 0);
  // Without impairment juliet's way back is untouched (only romeo's way out is impaired).
  const back = await measureLink(lab, "juliet", "romeo", 200);
  assert.equal(back.loss, 0);
  assert.ok(back.medianDelayMs < 10, `juliet -> romeo ${back.medianDelayMs} ms`);
  await clearImpairment(romeo);
});

test("the same seed and the same datagrams lose the same ones; another seed others", { skip: needsRoot }, async () => {
  await impair(romeo, { loss: 0.2, seed: 1234 });
  const first = await measureLink(lab, "romeo", "juliet", 500);
  await impair(romeo, { loss: 0.2, seed: 1234 }); // a fresh stage: nothing remembered between runs
  const replay = await measureLink(lab, "romeo", "juliet", 500);
  await impair(romeo, { loss: 0.2, seed: 4321 });
  const other = await measureLink(lab, "romeo", "juliet", 500);
  await clearImpairment(romeo);
  console.log(`# seed 1234 lost ${first.lost.length} of 500 twice identically; seed 4321 lost ${other.lost.length}`);
  assert.ok(first.lost.length > 50);
  assert.deepEqual(replay.lost, first.lost);
  assert.notDeepEqual(other.lost, first.lost);
});

test("duplicate 10% and reorder 10%, measured", { skip: needsRoot }, async () => {
  await impair(romeo, { duplicate: 0.1, reorder: 0.1, delayMs: 20, seed: 5 });
  const m = await measureLink(lab, "romeo", "juliet");
  await clearImpairment(romeo);
  console.log(`# duplicate asked 10%, measured ${pct(m.duplicate)}; reorder asked 10%, measured ${pct(m.reorder)}; loss ${pct(m.loss)}; delay ${m.medianDelayMs.toFixed(1)} ms`);
  assert.equal(m.loss, 0);
  assert.ok(Math.abs(m.duplicate - 0.1) <= 0.05, `duplicate ${pct(m.duplicate)}`);
  assert.ok(Math.abs(m.reorder - 0.1) <= 0.05, `reorder ${pct(m.reorder)}`);
});

test("direction both: juliet's way in is impaired too", { skip: needsRoot }, async () => {
  await impair(juliet, { loss: 0.2, delayMs: 30, duplicate: 0.1, seed: 3, direction: "both" });
  const m = await measureLink(lab, "romeo", "juliet");
  await clearImpairment(juliet);
  console.log(`# juliet's way in: loss ${pct(m.loss)}, duplicate ${pct(m.duplicate)}, delay ${m.medianDelayMs.toFixed(1)} ms`);
  assert.ok(Math.abs(m.loss - 0.2) <= 0.05);
  assert.ok(Math.abs(m.duplicate - 0.1) <= 0.05);
  assert.ok(Math.abs(m.medianDelayMs - 30) <= 6);
});

test("TCP gets everything across a lossy, slow LAN (it resends)", { skip: needsRoot }, async () => {
  await impair(romeo, { loss: 0.2, delayMs: 10, seed: 8 });
  await impair(juliet, { loss: 0.2, delayMs: 10, seed: 8 });
  const size = 200_000;
  const server = `const s=require("net").createServer(c=>{let n=0;c.on("data",d=>n+=d.length);c.on("end",()=>{console.log("GOT "+n);s.close()})}).listen(6000,()=>console.log("READY"))`;
  const [sc, ...sa] = lab.hostArgv("juliet", [process.execPath, "-e", server]);
  const srv = spawn(sc, sa, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  srv.stdout.on("data", (c) => (out += c));
  while (!out.includes("READY")) await new Promise((r) => setTimeout(r, 20));
  const client = `const c=require("net").connect(6000,"${hosts.juliet.address}",()=>c.end(Buffer.alloc(${size},97)))`;
  const started = Date.now();
  const [cc, ...ca] = lab.hostArgv("romeo", [process.execPath, "-e", client]);
  assert.equal(spawnSync(cc, ca, { timeout: 60_000 }).status, 0);
  const timer = setTimeout(() => srv.kill(), 60_000);
  await new Promise((r) => srv.on("exit", r));
  clearTimeout(timer);
  await clearImpairment(romeo);
  await clearImpairment(juliet);
  console.log(`# TCP: ${size} bytes across 20% loss each way in ${Date.now() - started} ms`);
  assert.match(out, new RegExp(`GOT ${size}`));
});

test("clear removes every trace, and twice is fine; status names the impairment while it is on", { skip: needsRoot }, async () => {
  await impair(romeo, { loss: 0.1, delayMs: 5, seed: 2, direction: "both" });
  const active = await activeImpairment(romeo);
  assert.equal(active?.mechanism, support().netem ? "netem" : "userspace");
  if (active?.mechanism === "userspace") assert.equal(active.description.replace(/\(pid \d+\)/, "(pid N)"), "loss 10%, delay 5ms, seed 2, both directions by the userspace stage (pid N)");
  assert.notDeepEqual(traces(lab, "romeo"), []);
  await clearImpairment(romeo);
  assert.deepEqual(traces(lab, "romeo"), []);
  await clearImpairment(romeo);
  assert.equal(await activeImpairment(romeo), null);
  const m = await measureLink(lab, "romeo", "juliet", 200);
  assert.equal(m.loss, 0, "after clear nothing is lost");
});

test("a stage killed outright (SIGKILL) leaves rules that let traffic pass, and clear removes them", { skip: needsRoot }, async () => {
  await impair(romeo, { loss: 0.5, seed: 1 });
  const [stage] = (await activeImpairment(romeo))?.pids ?? [];
  assert.ok(stage);
  process.kill(stage, "SIGKILL");
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(traces(lab, "romeo").some((t) => t.startsWith("rule:")), "the rule outlived its stage");
  const m = await measureLink(lab, "romeo", "juliet", 200);
  assert.equal(m.loss, 0, "--queue-bypass: with no stage the queue lets packets through");
  await clearImpairment(romeo);
  assert.deepEqual(traces(lab, "romeo"), []);
});

test("netem's plumbing for both directions (ifb, ingress, mirred) and its clear, run for real with tbf standing in for netem", { skip: needsRoot }, async () => {
  // This kernel has no netem; every other command of the testbed plan runs here, with a tbf
  // qdisc in netem's place, and clear must find and remove all of it by the handle and the ifb name.
  const { netemPlan } = await import("@sockets-typescript/impair/dist/src/netem");
  const tbf = ["tbf", "rate", "100mbit", "burst", "64kb", "latency", "50ms"];
  for (const argv of netemPlan(LAN_INTERFACE, { loss: 0.1, direction: "both" }, tbf)) {
    const r = spawnSync("ip", ["netns", "exec", romeo.netns, ...argv], { encoding: "utf8" });
    assert.equal(r.status, 0, `${argv.join(" ")}: ${r.stderr}`);
  }
  const shown = spawnSync("ip", ["netns", "exec", romeo.netns, "tc", "qdisc", "show"], { encoding: "utf8" }).stdout;
  assert.match(shown, /qdisc tbf 5ee: dev lan0 root/);
  assert.match(shown, /qdisc tbf 5ee: dev imp-lan0 root/);
  assert.match(shown, /qdisc ingress ffff: dev lan0/);
  assert.equal((await measureLink(lab, "juliet", "romeo", 200)).loss, 0, "the way in through the ifb device still delivers");
  await clearImpairment(romeo);
  assert.deepEqual(traces(lab, "romeo"), []);
});

test("from inside a host, as a notebook cell does: impairThisHost finds lan0, clearThisHost removes it", { skip: needsRoot }, async () => {
  const code = `const i = require("@sockets-typescript/impair");
    (async () => {
      const r = await i.impairThisHost({ loss: 0.2, delayMs: 50, seed: 6 });
      console.log(JSON.stringify({ iface: i.thisHostTarget().iface, mechanism: r.mechanism, summary: r.summary, now: await i.thisHostImpairment() }));
    })().catch((e) => { console.log("FAILED " + e.message); process.exit(1); });`;
  const r = nodeInHost(lab, "romeo", code);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal(report.iface, "lan0");
  assert.match(report.summary, /^loss 20%, delay 50ms, seed 6 on lan0 by /);
  assert.match(report.now, /^loss 20%, delay 50ms, seed 6/);
  const m = await measureLink(lab, "romeo", "juliet", 300);
  assert.ok(m.loss > 0.1 && m.medianDelayMs > 40, `loss ${m.loss}, delay ${m.medianDelayMs}`);
  const cleared = nodeInHost(lab, "romeo", `require("@sockets-typescript/impair").clearThisHost().then(() => console.log("CLEARED"))`);
  assert.match(cleared.stdout, /CLEARED/, cleared.stderr);
  assert.deepEqual(traces(lab, "romeo"), []);
});

test("lab:down with an impairment on leaves no stage, rule or namespace", { skip: needsRoot }, async () => {
  await impair(romeo, { loss: 0.2, delayMs: 20, seed: 4 });
  await impair(juliet, { loss: 0.2, delayMs: 20, seed: 4, direction: "both" });
  const pids = [...((await activeImpairment(romeo))?.pids ?? []), ...((await activeImpairment(juliet))?.pids ?? [])];
  assert.equal(pids.length, 2);
  const down = spawnSync(process.execPath, ["dist/src/lab/cli.js", "down"], { cwd: projectRoot, env: { ...process.env, SOCKETS_LAB_PREFIX: "it-" }, encoding: "utf8" });
  assert.equal(down.status, 0, down.stderr);
  assert.deepEqual(namespaces().filter((n) => n.startsWith("it-")), []);
  for (const pid of pids) assert.equal(running(pid), false, `stage ${pid} still runs`);
  assert.deepEqual(traces(lab, "romeo"), []);
  assert.deepEqual(traces(lab, "juliet"), []);
});
