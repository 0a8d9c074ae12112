// What the machine supports: the probe's findings turned into features and words, and the real
// probe on this machine (a throwaway namespace: nothing of it remains).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, support } from "../src/support";

const root = process.getuid?.() === 0 ? false : "needs root (the probe uses a throwaway network namespace)";

test("netem with a seed and ifb: netem does everything", () => {
  const s = describe({ netem: "ok", netemSeed: "ok", ifb: "ok", nfqueue: "ok" });
  assert.equal(s.mechanism, "netem");
  assert.deepEqual(s.features, { loss: true, delay: true, jitter: true, duplicate: true, reorder: true, seed: true, ingress: true });
});

test("netem without a seed (iproute2 6.1, Ubuntu 24.04) says seeded runs use the stage", () => {
  const s = describe({ netem: "ok", netemSeed: 'What is "seed"?', ifb: "ok", nfqueue: "ok" });
  assert.equal(s.mechanism, "netem");
  assert.match(s.why, /this netem takes no seed \(What is "seed"\?\), so a seeded impairment uses the userspace stage/);
});

test("no netem: the userspace stage, and the reason in tc's words", () => {
  const s = describe({ netem: "Error: Specified qdisc kind is unknown.", netemSeed: "x", ifb: "ok", nfqueue: "ok" });
  assert.equal(s.mechanism, "userspace");
  assert.equal(s.netem, false);
  assert.equal(s.why, "no netem qdisc in this kernel (tc: Error: Specified qdisc kind is unknown.); the userspace stage on NFQUEUE gives loss, delay, jitter, duplicate, reorder and seeded replay, for IPv4 (ARP and IPv6 pass untouched)");
});

test("neither: nothing, said plainly", () => {
  const s = describe({ netem: "no", netemSeed: "no", ifb: "no", nfqueue: "no queue" });
  assert.equal(s.mechanism, null);
  assert.ok(Object.values(s.features).every((v) => v === false));
});

test("this machine, probed for real, leaves no namespace behind", { skip: root }, () => {
  const before = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  const s = support(true);
  assert.equal(typeof s.netem, "boolean");
  assert.ok(s.mechanism !== null, s.why);
  if (!s.netem) assert.equal(s.mechanism, "userspace");
  assert.equal(s.probe.nfqueue, "ok", "NFQUEUE works on the development machine");
  assert.equal(execFileSync("ip", ["netns", "list"], { encoding: "utf8" }), before);
  console.log(`# support: ${s.why}`);
});
