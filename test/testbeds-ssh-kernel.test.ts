// The SSH kernel launcher (testbeds/kernels) against a real sshd. Arrangement, as on CloudLab:
// the "hub" is romeo (jupyter_client in romeo's namespace starts the registered kernelspec), the
// host is juliet, reached over the lab's LAN 10.10.0.0/24 by an sshd with its own config, port,
// throwaway keys and the sshd drop-in written by host-setup.sh, all in a temp dir. juliet's
// project is a copy set up by host-setup.sh. Root-only parts skip when not root.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hosts } from "@sockets-typescript/topology";
import { Lab } from "../src/lab/lab";
import { testLabPrefix } from "./fixtures/testbeds/lab-prefix";
import { copyProject, projectRoot } from "./fixtures/testbeds/project-copy";
import { SSHD_PORT, sshOptions as sshdOptions, startSshd } from "./fixtures/testbeds/lab-sshd";
import { takeLabDownOnSignal } from "./fixtures/testbeds/lab-cleanup";
import { hostProcesses } from "./support/processes";

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : "needs root (network namespaces, sshd)";
const PYTHON = "/usr/bin/python3";
const launcher = join(projectRoot, "testbeds", "kernels", "ssh_kernel_launcher.py");
const register = join(projectRoot, "testbeds", "kernels", "register_kernels.py");
const driver = join(projectRoot, "test", "fixtures", "testbeds", "ssh_kernel_driver.py");
const lab = new Lab({ prefix: testLabPrefix() });
let dir = "";
let project = "";
let sshd: ChildProcess | undefined;
if (isRoot) takeLabDownOnSignal(lab, () => {
  if (dir && !process.env.TB_KEEP) rmSync(dir, { recursive: true, force: true });
  if (project) rmSync(project, { recursive: true, force: true });
});

interface Report { [key: string]: any }

function inHost(host: "romeo" | "juliet", argv: string[], timeout = 240_000) {
  const full = lab.hostArgv(host, argv);
  const result = spawnSync(full[0], full.slice(1), { encoding: "utf8", timeout });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a scenario of the driver on the hub (romeo); returns its report and the launcher's stderr. */
function scenario(name: string): { report: Report; launcherLog: string } {
  const log = join(dir, `launcher-${name}.log`);
  const result = inHost("romeo", ["env", `JUPYTER_DATA_DIR=${join(dir, "jupyter")}`, `JUPYTER_RUNTIME_DIR=${join(dir, "runtime")}`,
    PYTHON, driver, "ts-juliet", name, log]);
  assert.equal(result.status, 0, `driver ${name} failed:\n${result.stderr}`);
  const report = JSON.parse(result.stdout.trim().split("\n").pop()!) as Report;
  console.log(`# ${name}: ${JSON.stringify(report)}`);
  return { report, launcherLog: readFileSync(log, "utf8") };
}

/** Processes inside juliet other than the sshd listener: what a kernel leaves behind. */
const julietLeftovers = () => hostProcesses(lab, "juliet", sshd?.pid);

async function waitUntil(check: () => Promise<boolean>, limitMs: number): Promise<number | null> {
  const began = Date.now();
  while (Date.now() - began < limitMs) {
    if (await check()) return (Date.now() - began) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return null;
}

/** Registers ts-juliet in the hub's (temp) Jupyter with the given ssh options and project dir. */
function registerJuliet(sshOptions: string, projectDir: string, dataDir = join(dir, "jupyter")) {
  const result = spawnSync(PYTHON, [register, "--host", "juliet", "--destination", `root@${hosts.juliet.address}`,
    "--ssh-options", sshOptions, "--project-dir", projectDir, "--data-dir", dataDir], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
}
const sshOptions = () => sshdOptions(dir);

/** Runs the launcher directly on the hub with a made-up connection file; returns its exit and stderr. */
function launchOnce(targetDataDir: string) {
  const connection = join(dir, "connection.json");
  writeFileSync(connection, JSON.stringify({ transport: "tcp", ip: "127.0.0.1", key: "k", signature_scheme: "hmac-sha256",
    shell_port: 41001, iopub_port: 41002, stdin_port: 41003, control_port: 41004, hb_port: 41005 }));
  return inHost("romeo", [PYTHON, launcher, "--host", "juliet", "--target",
    join(targetDataDir, "kernels", "ts-juliet", "ssh-target.json"), connection], 120_000);
}

before(async () => {
  if (!isRoot) return;
  await lab.up();
  dir = mkdtempSync(join(tmpdir(), "tb-ssh-"));
  chmodSync(dir, 0o700);
  project = copyProject("tb-ssh-project-");
  const setup = inHost("juliet", ["env", `SETUP_LOG=${join(dir, "setup.log")}`, `SSHD_CONFIG_DIR=${join(dir, "sshd_config.d")}`,
    `NETPLAN_DIR=${join(dir, "netplan")}`, "bash", join(project, "testbeds", "host-setup.sh"), "--host", "juliet", "--offline"], 300_000);
  assert.equal(setup.status, 0, setup.stdout + setup.stderr);
  sshd = startSshd(lab, "juliet", dir);
  registerJuliet(sshOptions(), project);
  const ready = await waitUntil(async () => inHost("romeo", [PYTHON, launcher, "--host", "juliet", "--target",
    join(dir, "jupyter", "kernels", "ts-juliet", "ssh-target.json"), "--check"], 30_000).status === 0, 20_000);
  assert.notEqual(ready, null, "sshd in juliet did not come up");
});

after(async () => {
  if (!isRoot) return;
  sshd?.kill("SIGTERM");
  await lab.down(); // ends whatever is left inside the hosts
  if (dir && !process.env.TB_KEEP) rmSync(dir, { recursive: true, force: true });
  if (project) rmSync(project, { recursive: true, force: true });
});

test("the registered kernelspec runs the launcher with the host, its ssh target and interrupt by signal", { skip }, () => {
  const spec = JSON.parse(readFileSync(join(dir, "jupyter", "kernels", "ts-juliet", "kernel.json"), "utf8"));
  assert.deepEqual(spec.argv.slice(1), [launcher, "--host", "juliet", "--target", join(dir, "jupyter", "kernels", "ts-juliet", "ssh-target.json"), "{connection_file}"]);
  assert.equal(spec.display_name, "TypeScript on juliet");
  assert.equal(spec.interrupt_mode, "signal");
  const target = JSON.parse(readFileSync(join(dir, "jupyter", "kernels", "ts-juliet", "ssh-target.json"), "utf8"));
  assert.equal(target.destination, `root@${hosts.juliet.address}`);
  assert.ok(!JSON.stringify(spec).includes("key\":"), "no connection key in the kernelspec");
});

test("a kernel started through the SSH launcher answers cells on juliet (hostname, address), and shuts down cleanly", { skip }, async () => {
  const { report, launcherLog } = scenario("cells");
  assert.equal(report.where.host, "juliet");
  assert.ok(report.where.addresses.includes(hosts.juliet.address), JSON.stringify(report.where));
  assert.ok(!report.where.addresses.includes(hosts.romeo.address));
  assert.equal(report.launcher_exit, 0);
  assert.match(launcherLog, /host-kernel: tslab started pid \d+ on juliet/);
  assert.deepEqual(report.key_on_command_lines, [], "the connection key is on a command line");
  assert.notEqual(await waitUntil(async () => (await julietLeftovers()).length === 0, 10_000), null, `left on juliet: ${await julietLeftovers()}`);
});

test("interrupt stops a busy loop and a blocking recvfrom on juliet, and the kernel keeps its state", { skip }, () => {
  const { report } = scenario("interrupt");
  for (const cell of ["busy_loop", "recv"]) {
    assert.equal(report[cell].status, "error", `${cell}: ${JSON.stringify(report[cell])}`);
    assert.match(report[cell].errors.join("\n"), /interrupted/i);
  }
  assert.equal(report.after_interrupt, "still alive");
});

test("restart gives a new kernel on juliet through a new launcher", { skip }, () => {
  const { report } = scenario("restart");
  assert.equal(report.after.host, "juliet");
  assert.notEqual(report.after.pid, report.before.pid, "the kernel process did not change");
  assert.notEqual(report.new_launcher_pid, report.launcher_pid);
  assert.equal(report.launcher_exit, 0);
});

test("SIGTERM to the launcher stops the kernel on juliet and the launcher exits 0", { skip }, async () => {
  const { report, launcherLog } = scenario("sigterm");
  assert.equal(report.launcher_exit, 0);
  assert.match(launcherLog, /ssh-kernel juliet: stopped \(ssh exit 0\)/);
  assert.notEqual(await waitUntil(async () => (await julietLeftovers()).length === 0, 10_000), null, `left on juliet: ${await julietLeftovers()}`);
});

test("kill -9 of the launcher leaves no kernel on juliet after 30 s, and no ssh on the hub", { skip }, async () => {
  const { report, launcherLog } = scenario("kill9");
  assert.equal(report.where.host, "juliet");
  const gone = await waitUntil(async () => (await julietLeftovers()).length === 0, 30_000);
  console.log(`# kill9: juliet's kernel gone ${gone} s after the driver returned`);
  assert.notEqual(gone, null, `still on juliet after 30 s: ${await julietLeftovers()}`);
  const sshPid = Number(/ssh pid (\d+)/.exec(launcherLog)![1]);
  const sshGone = await waitUntil(async () => { try { process.kill(sshPid, 0); return false; } catch { return true; } }, 30_000);
  assert.notEqual(sshGone, null, `the launcher's ssh (pid ${sshPid}) outlived it by 30 s`);
});

test("taking the link down ends the launcher with a clear error, and juliet's kernel stops too", { skip }, async () => {
  const { report, launcherLog } = scenario("linkdown");
  assert.equal(report.launcher_exit, 255);
  assert.match(launcherLog, /ssh-kernel juliet: the connection to juliet \(root@10\.10\.0\.101\) was lost/);
  const gone = await waitUntil(async () => (await julietLeftovers()).length === 0, 30_000);
  console.log(`# linkdown: launcher ended after ${report.launcher_ended_after_seconds} s; juliet's kernel gone ${gone} s later`);
  assert.notEqual(gone, null, `still on juliet 30 s after the launcher ended: ${await julietLeftovers()}`);
});

test("destination local (CloudLab's romeo serving Jupyter): ts-romeo runs on romeo without ssh", { skip }, () => {
  const data = join(dir, "jupyter-local");
  const made = spawnSync(PYTHON, [register, "--host", "romeo", "--destination", "local", "--project-dir", project, "--data-dir", data], { encoding: "utf8" });
  assert.equal(made.status, 0, made.stderr);
  const log = join(dir, "launcher-local.log");
  const result = inHost("romeo", ["env", `JUPYTER_DATA_DIR=${data}`, `JUPYTER_RUNTIME_DIR=${join(dir, "runtime")}`, PYTHON, driver, "ts-romeo", "cells", log]);
  assert.equal(result.status, 0, result.stderr);
  const report = JSON.parse(result.stdout.trim().split("\n").pop()!);
  assert.equal(report.where.host, "romeo");
  assert.ok(report.where.addresses.includes(hosts.romeo.address));
  assert.equal(report.launcher_exit, 0);
});

test("host down (nothing listening): the launcher says so", { skip }, () => {
  const data = join(dir, "jupyter-down");
  registerJuliet(sshOptions().replace(`-p ${SSHD_PORT}`, "-p 2223"), project, data);
  const result = launchOnce(data);
  assert.equal(result.status, 255);
  assert.match(result.stderr, /ssh-kernel juliet: ssh to juliet \(root@10\.10\.0\.101\) failed: nothing accepts ssh connections there/);
});

test("key missing: the launcher says which file, before trying ssh", { skip }, () => {
  const data = join(dir, "jupyter-nokey");
  registerJuliet(sshOptions().replace(join(dir, "client_key"), join(dir, "no_such_key")), project, data);
  const result = launchOnce(data);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /ssh-kernel juliet: the key file .*no_such_key for juliet does not exist/);
});

test("wrong key: the launcher says the host refused it", { skip }, () => {
  const data = join(dir, "jupyter-wrongkey");
  spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "other_key")]);
  registerJuliet(sshOptions().replace(join(dir, "client_key"), join(dir, "other_key")), project, data);
  const result = launchOnce(data);
  assert.equal(result.status, 255);
  assert.match(result.stderr, /failed: the host refused the key/);
});

test("host not set up: the launcher names the missing kernel and the set-up step", { skip }, () => {
  const data = join(dir, "jupyter-notsetup");
  const empty = mkdtempSync(join(tmpdir(), "tb-empty-"));
  try {
    registerJuliet(sshOptions(), empty, data);
    const result = launchOnce(data);
    assert.equal(result.status, 97);
    assert.match(result.stderr, /ssh-kernel juliet: juliet is not set up: .*dist\/src\/host\/host-kernel\.js is missing there; run the set-up step/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test("a missing ssh target or a connection file host-kernel would refuse is refused with a clear message (no ssh tried)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "tb-launcher-args-"));
  try {
    const missing = spawnSync(PYTHON, [launcher, "--host", "romeo", "--target", join(scratch, "none.json"), join(scratch, "c.json")], { encoding: "utf8" });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /ssh-kernel romeo: no ssh target for romeo: .*none\.json is missing; run the reservation notebook's 'register the host kernels' cell again/);
    const target = join(scratch, "t.json");
    writeFileSync(target, JSON.stringify({ host: "romeo", destination: "ubuntu@192.0.2.1", project_dir: "p" }));
    const connection = join(scratch, "c.json");
    writeFileSync(connection, JSON.stringify({ transport: "tcp", ip: "0.0.0.0", key: "k", shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5 }));
    const open = spawnSync(PYTHON, [launcher, "--host", "romeo", "--target", target, connection], { encoding: "utf8" });
    assert.equal(open.status, 2);
    // The connection info's rules are host-kernel's (src/host/connection.ts), checked before any ssh.
    assert.equal(open.stderr, `ssh-kernel romeo: ${connection}: connection info: ip must be "127.0.0.1" (kernels listen on IPv4 loopback only), not "0.0.0.0"\n`);
    const other = spawnSync(PYTHON, [launcher, "--host", "juliet", "--target", target, connection], { encoding: "utf8" });
    assert.equal(other.status, 2);
    assert.match(other.stderr, /is for romeo, not juliet/);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
