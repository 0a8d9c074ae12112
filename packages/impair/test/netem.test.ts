// netem's command lines (testbed hosts; this development kernel has no netem, so the plan is
// checked here and the plumbing of direction "both" runs for real in impair-netem-plumbing).
import { test } from "node:test";
import assert from "node:assert/strict";
import { netemArgs, netemPlan, netemClearPlan, ifbName } from "../src/netem";

test("netem arguments", () => {
  assert.deepEqual(netemArgs({ loss: 0.2, delayMs: 50, jitterMs: 10, duplicate: 0.05, reorder: 0.1 }, 7),
    ["netem", "limit", "10000", "delay", "50ms", "10ms", "loss", "20%", "duplicate", "5%", "reorder", "10%", "seed", "7"]);
  assert.deepEqual(netemArgs({ loss: 0.001 }, undefined), ["netem", "limit", "10000", "loss", "0.1%"]);
  assert.deepEqual(netemArgs({ reorder: 0.1 }, undefined), ["netem", "limit", "10000", "delay", "1ms", "reorder", "10%"], "netem reorders only delayed packets");
});

test("the plan: root qdisc with our handle; both directions through an ifb device", () => {
  assert.deepEqual(netemPlan("lan0", { loss: 0.2 }, ["netem", "loss", "20%"]), [["tc", "qdisc", "replace", "dev", "lan0", "root", "handle", "5ee:", "netem", "loss", "20%"]]);
  const both = netemPlan("enp7s0", { loss: 0.2, direction: "both" }, ["netem"]);
  assert.equal(both.length, 6);
  assert.deepEqual(both[1], ["ip", "link", "add", "imp-enp7s0", "type", "ifb"]);
  assert.equal(ifbName("averyveryverylongname"), "imp-averyveryve");
});

test("clear removes only our qdisc", () => {
  assert.deepEqual(netemClearPlan("lan0", "qdisc netem 5ee: root refcnt 2 limit 10000 loss 20%\n", false), [["tc", "qdisc", "del", "dev", "lan0", "root"]]);
  assert.deepEqual(netemClearPlan("lan0", "qdisc tbf 8001: root refcnt 2 rate 1Mbit\n", false), [], "a qdisc of someone else's stays");
  assert.equal(netemClearPlan("lan0", "qdisc noqueue 0: root refcnt 2\n", true).length, 2);
});
