// testbeds/host-setup.sh, run for real inside a lab host (juliet's namespace, no internet):
// Node is already there, npm ci works offline from the npm cache, and a rerun changes nothing.
// Needs root (namespaces); skipped otherwise.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hosts, network } from "@sockets-typescript/topology";
import { Lab, ETC_NETNS, LAN_INTERFACE } from "../src/lab/lab";
import { testLabPrefix } from "./fixtures/testbeds/lab-prefix";
import { copyProject } from "./fixtures/testbeds/project-copy";

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : "needs root (network namespaces)";
const lab = new Lab({ prefix: testLabPrefix() });
const juliet = `${hosts.juliet.address}/${network.prefix}`;
let project = "";
let scratch = "";

function setup(args: string[], env: Record<string, string> = {}) {
  const argv = lab.hostArgv("juliet", ["env", `SETUP_LOG=${join(scratch, "setup.log")}`, `SSHD_CONFIG_DIR=${join(scratch, "sshd_config.d")}`,
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "bash", join(project, "testbeds", "host-setup.sh"), ...args]);
  const result = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", timeout: 300_000 });
  return { status: result.status, out: result.stdout + result.stderr };
}
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
  rmSync(project, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
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
});

test("without --mac, a missing experiment address is a clear failure", { skip }, () => {
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
