// The testbed path as students take it, rehearsed in the lab (issue 18, "the hosts as they are"):
// romeo and juliet with a login user "ubuntu" who has password-less sudo and cannot log in as
// root, a real sshd in each, and a hub in a namespace of its own where the hub user "jovyan"
// runs the Jupyter server (test/fixtures/testbeds/sudo-hosts.ts says how, and why the users live
// only inside the namespaces). Through that path:
//   - the hub uploads the project and runs host-setup.sh on both hosts as ubuntu (remote.py, as
//     the reservation notebooks do; only npm's downloads come from a local cache), twice;
//   - the kernels registered by testbeds/kernels/register_kernels.py run both walkthroughs
//     (UDP, TCP) with their views (the capture runs tcpdump through sudo), a pending receive
//     stopped by one interrupt, the UDP reference solution judged by the exercise checker on a
//     LAN the notebooks impaired through sudo (netem where the kernel has it, else the stage);
//   - nothing is left on the hosts (processes, iptables rules, qdiscs, capture or relay files);
//   - a second account whose sudo wants a password gets messages naming the missing rule.
// Needs root (namespaces, sshd); skipped otherwise. Takes about N minutes (see the report).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostNames, type HostName } from "@sockets-typescript/topology";
import { Lab, ETC_NETNS } from "../src/lab/lab";
import { projectRoot } from "./fixtures/testbeds/project-copy";
import { takeLabDownOnSignal } from "./fixtures/testbeds/lab-cleanup";
import { LOGIN, NO_NOPASSWD, SudoHosts } from "./fixtures/testbeds/sudo-hosts";
import { randomBytes } from "node:crypto";

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : "needs root (network namespaces, sshd, nsenter)";
const PYTHON = "/usr/bin/python3";
const lab = new Lab({ prefix: `sh-${randomBytes(2).toString("hex")}-` });
const hosts = new SudoHosts(lab);
if (isRoot) takeLabDownOnSignal(lab, () => hosts.downNow());

function runSync(argv: string[], timeoutMs = 120_000) {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "", signal: result.signal };
}

/** Runs argv, its stderr passed on (progress), its stdout collected; rejects after timeoutMs. */
function runAsync(argv: string[], timeoutMs: number): Promise<{ status: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`${argv.slice(-3).join(" ")} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout });
    });
  });
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").pop()!);
const projectOn = (host: HostName) => join(hosts.home(host, LOGIN), "sockets-typescript");

before(async () => {
  if (!isRoot) return;
  await lab.up();
  await hosts.up();
});

after(async () => {
  if (!isRoot) return;
  hosts.downNow();
  await lab.down();
});

test("host-setup.sh runs on both hosts as ubuntu, from the hub (remote.py), and a second run as ubuntu changes nothing", { skip }, async () => {
  const began = Date.now();
  const result = await runAsync(hosts.asHub([PYTHON, join(projectRoot, "test", "fixtures", "testbeds", "hub_prepare.py"),
    hosts.destination("romeo"), hosts.destination("juliet"), hosts.sshOptions(), projectRoot]), 900_000);
  assert.equal(result.status, 0);
  const report = lastJson(result.stdout);
  console.log(`# host-setup: first ${report.seconds.first?.toFixed(1)} s, second ${report.seconds.second?.toFixed(1)} s (both hosts at once); ${((Date.now() - began) / 1000).toFixed(1)} s in all`);
  assert.equal(report.error, undefined, report.error);
  for (const host of hostNames) {
    const first: string = report.first[host];
    const second: string = report.second[host];
    assert.match(first, /host-setup: Node\.js v2\d\.\d+\.\d+ present/, first);
    assert.match(first, /installing dependencies: npm ci --offline \(as ubuntu\)/, first);
    assert.match(first, new RegExp(`host-setup: ready: ${host}`), first);
    assert.match(second, /running as ubuntu: again as root through sudo -n/, second);
    assert.match(second, /dependencies up to date/, second);
    assert.match(second, new RegExp(`host-setup: ready: ${host}`), second);
    assert.match(second, /exit:0\s*$/, second);
    // the same result: each step found its work done
    for (const done of [/host name is /, /names the experiment hosts/, /sshd ends sessions of vanished clients/, /kernel-check: tslab \(typescript\) started and ran a cell/]) {
      assert.match(second, done, second);
    }
    const log = readFileSync(join(hosts.dir, host, "log", "sockets-typescript-setup.log"), "utf8");
    assert.equal(log.match(/host-setup: ready/g)?.length, 2, "the host's /var/log has both runs");
    // the project belongs to ubuntu (npm and the build ran as ubuntu, not as root)
    for (const path of ["node_modules", "dist/src/host/host-kernel.js", "node_modules/.host-setup-lock.sha256"]) {
      assert.equal(statSync(join(projectOn(host), path)).uid, hosts.uid.ubuntu, `${path} on ${host} is not ubuntu's`);
    }
  }
});
