// The lab kernelspecs' program refuses with one clear line what it cannot do, before Jupyter
// waits for a kernel that will never come.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "./support/lab-fixture";

const launcher = join(projectRoot, "dist", "src", "host", "lab-launcher.js");
const launch = (...args: string[]) =>
  spawnSync(process.execPath, [launcher, ...args], { encoding: "utf8", env: { ...process.env, SOCKETS_LAB_PREFIX: "absent-" }, timeout: 10_000 });

test("a launcher for a host of a lab that is not up says to bring the lab up", () => {
  const result = launch("juliet", "/nonexistent/kernel.json");
  assert.equal(result.status, 1);
  assert.equal(result.stderr, "lab-launcher: the lab is not up (no host absent-juliet): run npm run lab:up, or npm start\n");
});

test("a launcher for an unknown host gets the usage line", () => {
  const result = launch("mercutio", "/tmp/kernel.json");
  assert.equal(result.status, 1);
  assert.equal(result.stderr, "lab-launcher: usage: node lab-launcher.js romeo|juliet <connection_file>\n");
});
