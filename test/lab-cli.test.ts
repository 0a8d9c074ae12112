// The lab's command line: up/status/exec/down as a student types them, and Ctrl-C during up.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { needsRoot, namespaces, projectRoot } from "./support/lab-fixture";

const cli = join(projectRoot, "dist", "src", "lab", "cli.js");
const env = { ...process.env, SOCKETS_LAB_PREFIX: "lc-" };
const lab = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { env, encoding: "utf8", timeout: 30_000 });
const ours = () => namespaces().filter((ns) => ns.startsWith("lc-"));

after(() => {
  if (!needsRoot) lab("down");
});

test("up, status, exec and down print what they do and exit 0", { skip: needsRoot }, () => {
  const up = lab("up");
  assert.equal(up.status, 0, up.stderr);
  assert.match(up.stdout, /lab: up in \d+ ms \(romeo 10\.10\.0\.100 in namespace lc-romeo, juliet 10\.10\.0\.101 in namespace lc-juliet\)/);
  assert.match(lab("up").stdout, /lab: already up/);
  const status = lab("status");
  assert.equal(status.status, 0);
  assert.match(status.stdout, /^juliet  namespace lc-juliet, 10\.10\.0\.101\/24 on lan0 \(up\), 0 process\(es\) inside$/m);
  const exec = lab("exec", "juliet", "--", "sh", "-c", "hostname; getent hosts romeo");
  assert.equal(exec.status, 0, exec.stderr);
  assert.equal(exec.stdout, "juliet\n10.10.0.100     romeo\n");
  assert.equal(lab("exec", "romeo", "--", "sh", "-c", "exit 7").status, 7, "exec passes the command's exit code on");
  const down = lab("down");
  assert.equal(down.status, 0);
  assert.match(down.stdout, /lab: down$/m);
  const after = lab("status");
  assert.equal(after.status, 3, "status exits 3 when the lab is down");
  assert.match(after.stdout, /lab: down/);
});

test("exec on a host that does not exist, or with the lab down, says so", { skip: needsRoot }, () => {
  lab("down");
  const unknown = lab("exec", "mercutio", "--", "true");
  assert.equal(unknown.status, 1);
  assert.equal(unknown.stderr.trim(), 'lab: unknown host "mercutio": the lab\'s hosts are romeo and juliet');
  const down = lab("exec", "juliet", "--", "true");
  assert.equal(down.status, 1);
  assert.equal(down.stderr.trim(), "lab: the lab is not up: run npm run lab:up first");
  assert.equal(lab("frobnicate").status, 2);
});

test("Ctrl-C during up leaves nothing behind", { skip: needsRoot }, async () => {
  lab("down");
  // A pause after each step gives the test a moment in the middle of up to press Ctrl-C.
  const child = spawn(process.execPath, [cli, "up"], { env: { ...env, SOCKETS_LAB_STEP_PAUSE_MS: "300" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (chunk) => {
    out += chunk;
    if (out.includes("joining romeo and juliet")) child.kill("SIGINT");
  });
  child.stderr.on("data", (chunk) => (out += chunk));
  const code = await new Promise((resolve) => child.on("exit", (c) => resolve(c)));
  assert.equal(code, 130, out);
  assert.match(out, /lab: interrupted: the lab was not brought up/);
  assert.deepEqual(ours(), [], "namespaces left after Ctrl-C");
  assert.equal(spawnSync("ip", ["link", "show", "lan0"]).status !== 0, true, "a LAN link left in the machine's namespace");
});
