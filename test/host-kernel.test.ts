// host-kernel, the part that runs on a host: it refuses bad input with one line, starts tslab
// with the connection info from stdin, and stops tslab when its stdin closes (launcher gone).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "./support/lab-fixture";
import { freePort } from "../src/common/free-port";
import { alive } from "./support/processes";

const hostKernel = join(projectRoot, "dist", "src", "host", "host-kernel.js");

test("connection info that is not JSON ends host-kernel with one clear line", () => {
  const result = spawnSync(process.execPath, [hostKernel], { input: "not json\n", encoding: "utf8", cwd: projectRoot });
  assert.equal(result.status, 1);
  assert.equal(result.stderr, "host-kernel: connection info is not JSON\n");
});

test("stdin closed before any connection info is a clear error", () => {
  const result = spawnSync(process.execPath, [hostKernel], { input: "", encoding: "utf8", cwd: projectRoot });
  assert.equal(result.status, 1);
  assert.equal(result.stderr, "host-kernel: stdin closed before the connection info arrived\n");
});

test("unknown arguments get the usage line", () => {
  const result = spawnSync(process.execPath, [hostKernel, "--frobnicate"], { input: "", encoding: "utf8" });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^host-kernel: usage: node host-kernel.js \[--relay-dir DIR\]/);
});

test("closing host-kernel's stdin stops its tslab", async () => {
  const ports = await Promise.all([1, 2, 3, 4, 5].map(freePort));
  const info = { transport: "tcp", ip: "127.0.0.1", key: "test-key", signature_scheme: "hmac-sha256", shell_port: ports[0], iopub_port: ports[1], stdin_port: ports[2], control_port: ports[3], hb_port: ports[4] };
  const child = spawn(process.execPath, [hostKernel], { cwd: projectRoot, stdio: ["pipe", "ignore", "pipe"] });
  child.stdin.write(JSON.stringify(info) + "\n");
  let err = "";
  const tslabPid = await new Promise<number>((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      err += chunk;
      const match = /host-kernel: tslab started pid (\d+)/.exec(err);
      if (match) resolve(Number(match[1]));
    });
    child.on("exit", () => reject(new Error(`host-kernel exited: ${err}`)));
  });
  assert.doesNotMatch(spawnSync("ps", ["-o", "args=", "-p", String(tslabPid)], { encoding: "utf8" }).stdout, /test-key/, "the key must not be on a command line");
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  child.stdin.end();
  assert.equal(await exited, 0);
  assert.equal(alive(tslabPid), false, "tslab outlived host-kernel");
});
