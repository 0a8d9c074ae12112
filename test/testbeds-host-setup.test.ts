// testbeds/host-setup.sh, run for real inside a lab host (juliet's namespace, no internet):
// Node is already there, npm ci works offline from the npm cache, and a rerun changes nothing.
// The experiment address it puts on the LAN interface is written to a netplan file (in the test's
// folder: a lab host shares the machine's /etc), re-checked and used at the next run. apt's lock
// waits run against a scratch apt root (APT_CONFIG) whose locks the test holds.
// Needs root (namespaces); skipped otherwise.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { hosts, network } from "@sockets-typescript/topology";
import { Lab, ETC_NETNS, LAN_INTERFACE } from "../src/lab/lab";
import { testLabPrefix } from "./fixtures/testbeds/lab-prefix";
import { copyProject } from "./fixtures/testbeds/project-copy";
import { takeLabDownOnSignal } from "./fixtures/testbeds/lab-cleanup";

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : "needs root (network namespaces)";
const lab = new Lab({ prefix: testLabPrefix() });
const juliet = `${hosts.juliet.address}/${network.prefix}`;
let project = "";
let scratch = "";
if (isRoot) takeLabDownOnSignal(lab, () => removeTemp());

function removeTemp() {
  if (project) rmSync(project, { recursive: true, force: true });
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}

function setupArgv(args: string[], env: Record<string, string>) {
  return lab.hostArgv("juliet", ["env", `SETUP_LOG=${join(scratch, "setup.log")}`, `SSHD_CONFIG_DIR=${join(scratch, "sshd_config.d")}`,
    `NETPLAN_DIR=${join(scratch, "netplan")}`, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "bash", join(project, "testbeds", "host-setup.sh"), ...args]);
}

function setup(args: string[], env: Record<string, string> = {}) {
  const argv = setupArgv(args, env);
  const result = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", timeout: 300_000 });
  return { status: result.status, out: result.stdout + result.stderr };
}

/** Runs the set-up in the background; `when` is called once, as soon as its output matches `line`. */
function setupUntil(args: string[], env: Record<string, string>, line: RegExp, when: () => void): Promise<{ status: number | null; out: string; saw: boolean }> {
  const argv = setupArgv(args, env);
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let saw = false;
  const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
  const read = (chunk: Buffer) => {
    out += chunk.toString();
    if (!saw && line.test(out)) {
      saw = true;
      when();
    }
  };
  child.stdout.on("data", read);
  child.stderr.on("data", read);
  return new Promise((resolve) => child.on("close", (status) => {
    clearTimeout(timer);
    resolve({ status, out, saw });
  }));
}

/** Holds an fcntl lock on `path` (as dpkg and apt take theirs) until release() is called. */
async function holdLock(path: string): Promise<{ release: () => void }> {
  const holder = spawn("/usr/bin/python3", ["-c", "import fcntl, sys, time\nf = open(sys.argv[1], 'w')\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(600)", path],
    { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once("data", () => resolve());
    holder.once("exit", (code) => reject(new Error(`the lock holder exited (${code})`)));
  });
  return { release: () => holder.kill("SIGKILL") };
}

/** A scratch apt root: no sources, no packages; apt's locks are files in it (not the machine's). */
function scratchApt(): { config: string; dpkgLock: string; listsLock: string } {
  const root = join(scratch, "apt-root");
  for (const sub of ["etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/sources.list.d", "var/lib/dpkg", "var/lib/apt/lists/partial",
    "var/cache/apt/archives/partial", "var/log/apt"]) mkdirSync(join(root, sub), { recursive: true });
  writeFileSync(join(root, "var/lib/dpkg/status"), "");
  writeFileSync(join(root, "etc/apt/sources.list"), "");
  const config = join(root, "apt.conf");
  writeFileSync(config, [`Dir "${root}/";`, `Dir::State::status "${root}/var/lib/dpkg/status";`, `Dir::Etc::main "${root}/etc/apt/apt.conf";`,
    `Dir::Etc::parts "${root}/etc/apt/apt.conf.d";`, `Dir::Log "${root}/var/log/apt";`, ""].join("\n"));
  return { config, dpkgLock: join(root, "var/lib/dpkg/lock-frontend"), listsLock: join(root, "var/lib/apt/lists/lock") };
}
const netplanFile = () => join(scratch, "netplan", "60-sockets-typescript-lan.yaml");
const hasNetplan = spawnSync("sh", ["-c", "command -v netplan"]).status === 0;
/** What the netplan file must say for juliet's LAN interface. */
const wantedNetplan = (mac: string) => [
  "# testbeds/host-setup.sh: juliet's experiment address, kept across reboots (the interface is found by its MAC)",
  "network:", "  version: 2", "  ethernets:", "    sockets-typescript-lan:", "      match:", `        macaddress: "${mac}"`,
  "      addresses:", `        - "${juliet}"`, ""].join("\n");
const inJuliet = (...argv: string[]) => spawnSync("ip", ["netns", "exec", lab.namespace("juliet"), ...argv], { encoding: "utf8" });
const macOfLan0 = () => inJuliet("cat", `/sys/class/net/${LAN_INTERFACE}/address`).stdout.trim();

before(async () => {
  if (!isRoot) return;
  await lab.up();
  project = copyProject("tb-setup-project-");
  scratch = mkdtempSync(join(tmpdir(), "tb-setup-"));
});

after(async () => {
  if (!isRoot) return;
  await lab.down();
  removeTemp();
});

test("the first run installs the project (npm ci offline), builds it and a tslab kernel answers on juliet", { skip }, () => {
  const { status, out } = setup(["--host", "juliet", "--offline"]);
  assert.equal(status, 0, out);
  assert.match(out, /Node\.js v\d+\.\d+\.\d+ present/);
  assert.match(out, /host name is juliet/);
  assert.match(out, new RegExp(`experiment address ${juliet.replace(/\./g, "\\.")} is on ${LAN_INTERFACE}`));
  assert.match(out, /installing dependencies: npm ci --offline/);
  assert.match(out, /kernel-check: tslab \(typescript\) started and ran a cell on juliet/);
  assert.match(out, /host-setup: ready: juliet/);
  assert.ok(existsSync(join(project, "dist", "src", "host", "host-kernel.js")));
  assert.match(readFileSync(join(scratch, "setup.log"), "utf8"), /host-setup: ready: juliet/, "the log file has the run");
  const dropIn = readFileSync(join(scratch, "sshd_config.d", "10-sockets-typescript.conf"), "utf8");
  assert.match(dropIn, /^ClientAliveInterval 5$/m);
  assert.match(dropIn, /^AllowStreamLocalForwarding yes$/m);
  // the address was there already (the testbed's own, as on CloudLab): the testbed keeps it, no netplan file
  assert.ok(!existsSync(netplanFile()), "a netplan file was written for an address the script did not put there");
  assert.doesNotMatch(out, /netplan/);
});

test("a second run changes nothing: dependencies, /etc/hosts, address and sshd drop-in are left as they are", { skip }, () => {
  const hostsFile = join(ETC_NETNS, lab.namespace("juliet"), "hosts");
  const hostsBefore = readFileSync(hostsFile, "utf8");
  const marker = join(project, "node_modules", "tslab", "package.json");
  const installedAt = statSync(marker).mtimeMs;
  const { status, out } = setup(["--host", "juliet", "--offline"]);
  assert.equal(status, 0, out);
  assert.match(out, /dependencies up to date/);
  assert.doesNotMatch(out, /installing dependencies/);
  assert.match(out, /names the experiment hosts/);
  assert.match(out, /offloads \(tso, gso, gro\) are off/);
  assert.match(out, /sshd ends sessions of vanished clients/);
  assert.equal(statSync(marker).mtimeMs, installedAt, "node_modules was reinstalled");
  assert.equal(readFileSync(hostsFile, "utf8"), hostsBefore);
});

test("a line giving juliet another address is commented out and the experiment names are added", { skip }, () => {
  const hostsFile = join(ETC_NETNS, lab.namespace("juliet"), "hosts");
  appendFileSync(hostsFile, "127.0.1.1\tjuliet\n");
  const { status, out } = setup(["--host", "juliet", "--offline"]);
  assert.equal(status, 0, out);
  const text = readFileSync(hostsFile, "utf8");
  assert.match(text, /^# host-setup: 127\.0\.1\.1\tjuliet$/m);
  assert.match(inJuliet("getent", "hosts", "juliet").stdout, new RegExp(`^${hosts.juliet.address.replace(/\./g, "\\.")}\\s`));
});

test("with --mac, a missing experiment address is put on the interface with that MAC", { skip }, () => {
  const mac = macOfLan0();
  assert.equal(inJuliet("ip", "addr", "flush", "dev", LAN_INTERFACE).status, 0);
  const { status, out } = setup(["--host", "juliet", "--offline", "--mac", mac.toUpperCase()]);
  assert.equal(status, 0, out);
  assert.match(out, new RegExp(`putting the experiment address ${juliet.replace(/\./g, "\\.")} on ${LAN_INTERFACE} \\(${mac}\\)`));
  assert.match(inJuliet("ip", "-4", "-o", "addr", "show", "dev", LAN_INTERFACE).stdout, new RegExp(juliet.replace(/\./g, "\\.")));
  // ... and written to a netplan file, matched by the MAC, readable by root only (netplan wants 600)
  assert.equal(readFileSync(netplanFile(), "utf8"), wantedNetplan(mac));
  assert.equal(statSync(netplanFile()).mode & 0o777, 0o600);
  assert.match(out, new RegExp(`wrote ${netplanFile().replace(/\./g, "\\.")}: ${juliet.replace(/\./g, "\\.")} on the interface with MAC ${mac}, also after a reboot`));
  // this machine's branch, said as it is: netplan checks the file where it is installed (Ubuntu)
  if (hasNetplan) assert.match(out, /netplan generate: the configuration is valid/);
  else assert.match(out, /netplan is not installed here: nothing reads \S+60-sockets-typescript-lan\.yaml; after a reboot, run this script again/);
  // YAML that says what the comment and format promise (read by a YAML parser, not by pattern)
  const parsed = spawnSync("/usr/bin/python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", netplanFile()], { encoding: "utf8" });
  assert.equal(parsed.status, 0, parsed.stderr);
  assert.deepEqual(JSON.parse(parsed.stdout), { network: { version: 2, ethernets: { "sockets-typescript-lan": { match: { macaddress: mac }, addresses: [juliet] } } } });
});

test("the next run re-checks the netplan file and changes nothing", { skip }, () => {
  const before = statSync(netplanFile()).mtimeMs;
  const { status, out } = setup(["--host", "juliet", "--offline"]);
  assert.equal(status, 0, out);
  assert.match(out, /the experiment address is kept across reboots \(\S+60-sockets-typescript-lan\.yaml\)/);
  assert.doesNotMatch(out, /wrote \S+netplan/);
  assert.equal(statSync(netplanFile()).mtimeMs, before, "the netplan file was rewritten");
  assert.equal(readFileSync(netplanFile(), "utf8"), wantedNetplan(macOfLan0()));
});

test("the address gone (a reboot without netplan) and no --mac: the MAC in the netplan file finds the interface", { skip }, () => {
  const mac = macOfLan0();
  assert.equal(inJuliet("ip", "addr", "flush", "dev", LAN_INTERFACE).status, 0);
  const { status, out } = setup(["--host", "juliet", "--offline"]);
  assert.equal(status, 0, out);
  assert.match(out, new RegExp(`the experiment address is gone; \\S+ says the experiment interface has the MAC ${mac}`));
  assert.match(out, new RegExp(`putting the experiment address ${juliet.replace(/\./g, "\\.")} on ${LAN_INTERFACE} \\(${mac}\\)`));
  assert.match(inJuliet("ip", "-4", "-o", "addr", "show", "dev", LAN_INTERFACE).stdout, new RegExp(juliet.replace(/\./g, "\\.")));
});

test("a netplan file that says something else (another MAC) is rewritten", { skip }, () => {
  writeFileSync(netplanFile(), wantedNetplan("02:00:00:00:00:99"), { mode: 0o600 });
  const { status, out } = setup(["--host", "juliet", "--offline"]);
  assert.equal(status, 0, out);
  assert.match(out, /60-sockets-typescript-lan\.yaml differs \(another MAC or address\): rewriting it/);
  assert.equal(readFileSync(netplanFile(), "utf8"), wantedNetplan(macOfLan0()));
});

test("apt waits for the dpkg lock another apt holds (DPkg::Lock::Timeout), and says who holds it", { skip }, async () => {
  const apt = scratchApt();
  const lock = await holdLock(apt.dpkgLock);
  try {
    // ethtool "missing" (no sbin on PATH): the set-up asks apt for it, in the scratch root, where apt knows no packages
    const run = await setupUntil(["--host", "juliet", "--offline"], { APT_CONFIG: apt.config, PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, APT_LOCK_TIMEOUT: "120" },
      /apt's lock \S+\/var\/lib\/dpkg\/lock-frontend is held by python3 \(pid \d+\) \(e\.g\. unattended-upgrades after a first boot\): waiting for it, up to 120 s/, lock.release);
    assert.ok(run.saw, run.out);
    assert.equal(run.status, 0, run.out);
    assert.match(run.out, /Unable to locate package ethtool/, "apt ran after the lock was released");
    assert.match(run.out, /warning: ethtool is missing and could not be installed/);
    assert.match(run.out, /host-setup: ready: juliet/);
  } finally {
    lock.release();
  }
});

test("apt update waits for the package lists' lock (apt itself does not: retried), and says who holds it", { skip }, async () => {
  const apt = scratchApt();
  const lock = await holdLock(apt.listsLock);
  try {
    const run = await setupUntil(["--host", "juliet", "--offline"], { APT_CONFIG: apt.config, PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, APT_LOCK_TIMEOUT: "120" },
      /apt's lock \S+\/var\/lib\/apt\/lists\/lock is held by python3 \(pid \d+\) \(e\.g\. unattended-upgrades after a first boot\): waiting for it, up to 120 s/, lock.release);
    assert.ok(run.saw, run.out);
    assert.equal(run.status, 0, run.out);
    assert.match(run.out, /warning: ethtool is missing and could not be installed/);
    assert.doesNotMatch(run.out, /apt-get update -qq: exit/, "apt-get update succeeded once the lock was free");
  } finally {
    lock.release();
  }
});

test("apt's lock held longer than APT_LOCK_TIMEOUT: apt's own words, and the step's warning", { skip }, async () => {
  const apt = scratchApt();
  const lock = await holdLock(apt.dpkgLock);
  try {
    const { status, out } = setup(["--host", "juliet", "--offline"], { APT_CONFIG: apt.config, PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, APT_LOCK_TIMEOUT: "2" });
    assert.equal(status, 0, out);
    assert.match(out, /apt-get install -y -qq ethtool: exit 100:/);
    assert.match(out, /Unable to acquire the dpkg frontend lock/);
    assert.match(out, /warning: ethtool is missing and could not be installed/);
  } finally {
    lock.release();
  }
});

test("without --mac, a missing experiment address is a clear failure", { skip }, () => {
  rmSync(netplanFile(), { force: true }); // no MAC known from an earlier run either
  assert.equal(inJuliet("ip", "addr", "flush", "dev", LAN_INTERFACE).status, 0);
  try {
    const { status, out } = setup(["--host", "juliet", "--offline"]);
    assert.equal(status, 1);
    assert.match(out, /FAILED: the experiment address 10\.10\.0\.101 is on no interface; give the experiment interface's MAC: --mac MAC/);
  } finally {
    inJuliet("ip", "addr", "replace", juliet, "dev", LAN_INTERFACE);
  }
});

test("Node.js too old and its package source unreachable: a clear failure, and no apt source written", { skip }, () => {
  const aptSource = "/etc/apt/sources.list.d/nodesource.list";
  const hadSource = existsSync(aptSource);
  const { status, out } = setup(["--host", "juliet", "--offline"], { NODE_MAJOR_MIN: "999", NODESOURCE_URL: "http://127.0.0.1:9" });
  assert.equal(status, 1, out);
  assert.match(out, /older than 999: installing Node\.js/);
  assert.match(out, /FAILED: could not download the Node\.js package key from http:\/\/127\.0\.0\.1:9/);
  if (!hadSource) assert.ok(!existsSync(aptSource), "an apt source was written although the download failed");
});

test("unknown host and missing arguments are clear failures", { skip }, () => {
  const unknown = setup(["--host", "mercutio"]);
  assert.equal(unknown.status, 1);
  assert.match(unknown.out, /FAILED: unknown host mercutio: the topology's hosts are romeo and juliet/);
  const missing = setup([]);
  assert.equal(missing.status, 1);
  assert.match(missing.out, /FAILED: --host is missing/);
});
