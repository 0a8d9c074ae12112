// testbeds/remote.py, what the reservation notebooks use on the hosts, for real: from the "hub"
// (romeo) over ssh to a real sshd in juliet, it uploads the project, starts host-setup.sh in the
// background, follows its progress, and reports failures with the host's own words.
// Needs root (namespaces, sshd); skipped otherwise.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hosts } from "@sockets-typescript/topology";
import { Lab } from "../src/lab/lab";
import { testLabPrefix } from "./fixtures/testbeds/lab-prefix";
import { projectRoot } from "./fixtures/testbeds/project-copy";
import { sshOptions, startSshd } from "./fixtures/testbeds/lab-sshd";
import { takeLabDownOnSignal } from "./fixtures/testbeds/lab-cleanup";

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : "needs root (network namespaces, sshd)";
const lab = new Lab({ prefix: testLabPrefix() });
let dir = "";
let hostProject = "";
let sshd: ChildProcess | undefined;
if (isRoot) takeLabDownOnSignal(lab, () => removeTemp());

function removeTemp() {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (hostProject) rmSync(join(hostProject, ".."), { recursive: true, force: true });
}

/** Runs Python on the hub (romeo) with testbeds importable; returns exit status and output. */
function onHub(code: string, timeout = 300_000) {
  const argv = lab.hostArgv("romeo", ["env", `PYTHONPATH=${projectRoot}`, "/usr/bin/python3", "-c", code]);
  const result = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", timeout });
  return { status: result.status, out: result.stdout + result.stderr };
}
const remote = (host = "juliet", options = sshOptions(dir)) =>
  `from testbeds.remote import Remote, RemoteError, wait_for_setup\n` +
  `remote = Remote(${JSON.stringify(host)}, "root@${hosts.juliet.address}", ${JSON.stringify(options.split(" "))}, remote_dir=${JSON.stringify(hostProject)})\n`;

before(async () => {
  if (!isRoot) return;
  await lab.up();
  dir = mkdtempSync(join(tmpdir(), "tb-remote-"));
  chmodSync(dir, 0o700);
  hostProject = join(mkdtempSync(join(tmpdir(), "tb-remote-host-")), "sockets-typescript");
  // host-setup.sh, started over ssh, writes its log, sshd drop-in and netplan file here, not in the machine's /etc and /var/log
  sshd = startSshd(lab, "juliet", dir, { SETUP_LOG: join(dir, "setup.log"), SSHD_CONFIG_DIR: join(dir, "sshd_config.d"), NETPLAN_DIR: join(dir, "netplan") });
  for (let tries = 0; tries < 40 && onHub(remote() + "remote.run('true')", 10_000).status !== 0; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
});

after(async () => {
  if (!isRoot) return;
  sshd?.kill("SIGTERM");
  await lab.down();
  removeTemp();
});

test("upload_project copies the hub's clone without node_modules, dist or .git", { skip }, () => {
  const { status, out } = onHub(remote() + "print(remote.upload_project())");
  assert.equal(status, 0, out);
  assert.ok(Number(out.trim()) > 10_000, out);
  for (const file of ["package.json", "package-lock.json", "testbeds/host-setup.sh", "packages/topology/topology.json", "notebooks/01-udp-romeo.ipynb"]) {
    assert.ok(existsSync(join(hostProject, file)), `${file} missing on the host`);
  }
  for (const skipped of ["node_modules", "dist", ".git"]) assert.ok(!existsSync(join(hostProject, skipped)), `${skipped} was uploaded`);
  assert.equal(readFileSync(join(hostProject, "package.json"), "utf8"), readFileSync(join(projectRoot, "package.json"), "utf8"));
});

test("start_setup runs host-setup.sh in the background and wait_for_setup follows it to the end", { skip }, () => {
  const { status, out } = onHub(remote() +
    "remote.start_setup(extra_args=['--offline'])\n" +
    "print('status right after start_setup:', remote.setup_progress()[1])\n" +
    "print(wait_for_setup([remote], poll_seconds=1))");
  assert.equal(status, 0, out);
  assert.match(out, /\[juliet\] host-setup: /, "progress lines");
  assert.match(out, /\{'juliet': 0\}/);
  assert.match(out, /status right after start_setup: None/, "start_setup must return while the set-up still runs");
  assert.match(readFileSync(join(hostProject, "host-setup.out"), "utf8"), /host-setup: ready: juliet/);
  assert.ok(existsSync(join(hostProject, "dist", "src", "host", "host-kernel.js")));
  // sshd's SetEnv reached the set-up: its log and sshd drop-in are in the test's folder, not the machine's
  assert.match(readFileSync(join(dir, "setup.log"), "utf8"), /host-setup: ready: juliet/);
  assert.ok(existsSync(join(dir, "sshd_config.d", "10-sockets-typescript.conf")));
});

test("a failing set-up raises RemoteError with the host's last lines", { skip }, () => {
  const { status, out } = onHub(remote("mercutio") +
    "remote.start_setup()\ntry:\n    wait_for_setup([remote], poll_seconds=1)\nexcept RemoteError as error:\n    print('RemoteError:', error)");
  assert.equal(status, 0, out);
  assert.match(out, /RemoteError: the set-up failed on mercutio:/);
  assert.match(out, /FAILED: unknown host mercutio: the topology's hosts are romeo and juliet/);
});

test("an unreachable host is a RemoteError naming the host and ssh's words", { skip }, () => {
  const { status, out } = onHub(remote("juliet", sshOptions(dir, 2223)) +
    "try:\n    remote.run('true')\nexcept RemoteError as error:\n    print('RemoteError:', error)");
  assert.equal(status, 0, out);
  assert.match(out, /RemoteError: juliet \(root@10\.10\.0\.101\): `true` failed \(ssh could not connect\): .*Connection refused/);
});
