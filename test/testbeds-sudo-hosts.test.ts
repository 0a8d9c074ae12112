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
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostNames, type HostName } from "@sockets-typescript/topology";
import { Lab } from "../src/lab/lab";
import { projectRoot } from "./fixtures/testbeds/project-copy";
import { takeLabDownOnSignal } from "./fixtures/testbeds/lab-cleanup";
import { LOGIN, NO_NOPASSWD, SudoHosts } from "./fixtures/testbeds/sudo-hosts";
import { randomBytes } from "node:crypto";
import { hostProcesses } from "./support/processes";

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

let driven: Record<string, any> | null = null;

/** A file made just before the kernels first start: what is newer was written by them. */
const stamp = () => join(hosts.dir, "kernels-start.stamp");

test("through the registered ssh kernels (hub user jovyan, kernels as ubuntu): both walkthroughs with their views, one press stops a receive, the exercise checker passes the UDP solution on a LAN impaired through sudo", { skip }, async () => {
  const config = join(hosts.home("hub", "jovyan"), "driver.json");
  writeFileSync(config, JSON.stringify({
    prefix: lab.prefix, dataDir: join(hosts.home("hub", "jovyan"), "jupyter"), sshOptions: hosts.sshOptions(),
    destinations: { romeo: hosts.destination("romeo"), juliet: hosts.destination("juliet") },
    projectDir: { romeo: "sockets-typescript", juliet: "sockets-typescript" }, // relative to ubuntu's home, as remote.py uploads it
  }));
  spawnSync("chown", [String(hosts.uid.jovyan), config]);
  writeFileSync(stamp(), "");
  const result = await runAsync(hosts.asHub([process.execPath, join(projectRoot, "dist", "test", "fixtures", "testbeds", "hub-driver.js"), config]), 600_000);
  assert.equal(result.status, 0, "the hub driver failed (see its stderr above)");
  const report = lastJson(result.stdout);
  driven = report;
  const { walkthrough: w, interrupt, exercise, loss } = report;
  console.log(`# hub ${report.hubUser}: server ${report.serverMs} ms; UDP kernels ${w.udp.startMs} ms, ${w.udp.cells} cells in ${w.udp.cellsMs} ms (median ${w.udp.medianMs} ms); ` +
    `TCP kernels ${w.tcp.startMs} ms, ${w.tcp.cells} cells in ${w.tcp.cellsMs} ms (median ${w.tcp.medianMs} ms); one press stopped the receive in ${interrupt.afterPressMs} ms; ` +
    `loss probe: ${loss.count} of 200; exercise ${exercise.cells} cells; driver ${report.wallMs} ms`);
  assert.equal(report.hubUser, "jovyan");
  assert.notEqual(report.hubUid, 0);
  for (const host of hostNames) {
    assert.equal(report.registered[host].status, 0, report.registered[host].out);
    assert.match(report.registered[host].out, new RegExp(`${host}: ok, node v2\\d\\.`));
    assert.match(report.registered[host].argv.join(" "), /testbeds\/kernels\/ssh_kernel_launcher\.py --host \w+ --target \S+ssh-target\.json \{connection_file\}/);
  }
  for (const part of ["udp", "tcp"]) {
    assert.deepEqual(w[part].deviations, [], `${part}: ${w[part].deviations.join("\n")}\n${w[part].shown.join("\n")}`);
    for (const host of hostNames) assert.deepEqual(w[part].who[host], { user: "ubuntu", uid: hosts.uid.ubuntu, host });
    assert.deepEqual(w[part].noCapture, [], "a wire view had no capture");
    assert.ok(w[part].svg >= 4, `${part}: only ${w[part].svg} cells with a drawing`);
  }
  assert.equal(interrupt.presses, 1);
  assert.equal(interrupt.status, "error", JSON.stringify(interrupt));
  assert.match(interrupt.stderr, /interrupt/i);
  assert.ok(interrupt.cellMs >= 1900, `the receive ended after ${interrupt.cellMs} ms, before the press at 2 s`);
  assert.ok(interrupt.afterPressMs < 10_000, `the press took ${interrupt.afterPressMs} ms (a second press comes only at the 30 s timeout)`);
  assert.equal(interrupt.next, "ok", JSON.stringify(interrupt));
  assert.equal(interrupt.nextOut, "the next cell runs");
  for (const host of hostNames) {
    assert.equal(exercise.impaired[host].status, "ok", exercise.impaired[host].err);
    assert.match(exercise.impaired[host].out, /loss 20%.*(netem|userspace stage)/s, exercise.impaired[host].out);
    assert.equal(exercise.cleared[host].status, "ok", exercise.cleared[host].err);
    assert.match(exercise.cleared[host].out, /no impairment on this host\s*$/);
  }
  const received = Number(/received (\d+)/.exec(loss.count)?.[1]);
  assert.ok(received > 120 && received < 195, `romeo's 200 datagrams through a 20% loss: ${loss.count} ${loss.err}`);
  assert.ok(exercise.passed, exercise.verdicts.join("\n"));
});

/** Processes in a host other than its sshd listener. */
const leftoverProcesses = (host: HostName) => hostProcesses(lab, host, hosts.sshd[host]?.pid);

test("nothing is left on the hosts: no process (no kernel, tcpdump, stage, sudo), no iptables rule or qdisc, no capture or relay file", { skip }, async (t) => {
  if (!driven) return t.skip("the kernels did not run");
  const deadline = Date.now() + 15_000;
  let left: string[] = [];
  do {
    left = [...(await leftoverProcesses("romeo")), ...(await leftoverProcesses("juliet")), ...hosts.userProcesses()];
    if (left.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  } while (Date.now() < deadline);
  assert.deepEqual(left, [], "left running 15 s after the hub stopped");
  for (const host of hostNames) {
    const rules = runSync(hosts.inHost(host, "root", ["iptables-save"])).stdout.split("\n").filter((line) => /^-A /.test(line));
    assert.deepEqual(rules, [], `iptables rules left on ${host}`);
    const qdisc = runSync(hosts.inHost(host, "root", ["tc", "qdisc", "show", "dev", "lan0"])).stdout;
    assert.doesNotMatch(qdisc, /netem|ingress/, `qdisc left on ${host}: ${qdisc}`);
    assert.doesNotMatch(runSync(hosts.inHost(host, "root", ["ip", "link", "show"])).stdout, /ifb/, `ifb device left on ${host}`);
  }
  // Files of the hosts' users outside their homes (the hosts share this machine's /tmp): the kernels'
  // relay folders, tslab's scratch, a capture file, anything.
  const uids = [hosts.uid.ubuntu, hosts.uid.student].map(String);
  const strays = runSync(["find", "/tmp", "/var/tmp", "/dev/shm", "-xdev", "(", ...uids.flatMap((u, i) => [...(i ? ["-o"] : []), "-uid", u]), ")", "-not", "-path", `${hosts.dir}/*`, "-print"]).stdout.trim();
  assert.equal(strays, "", "files of the hosts' users left outside their homes");
  // ... and inside them: nothing the kernels wrote (the project's own files are older: tar keeps their times),
  // but for Node's compile cache, which the kernels keep on purpose in the project's
  // node_modules/.cache/sockets-kernel (tslab-preload.ts: the next start compiles nothing afresh).
  const written = runSync(["find", ...hostNames.map((h) => hosts.home(h, LOGIN)), "-xdev", "-type", "f", "-newer", stamp(),
    "-not", "-path", "*/.ssh/*", "-not", "-path", "*/node_modules/.cache/sockets-kernel/*", "-print"]).stdout.trim();
  assert.equal(written, "", "files the kernels wrote in the hosts' homes");
});

test("a user whose sudo wants a password: host-setup, the capture and the impairment each name the missing rule", { skip }, () => {
  const project = projectOn("juliet");
  const setup = runSync(hosts.inHost("juliet", NO_NOPASSWD, ["bash", join(project, "testbeds", "host-setup.sh"), "--host", "juliet", "--offline"]));
  assert.equal(setup.status, 1, setup.stdout + setup.stderr);
  assert.match(setup.stdout, /^host-setup: FAILED: host-setup needs root and student is not root: it runs itself as `sudo -n bash \S+host-setup\.sh`, and sudo refused \(a password is required\)\. Give student password-less sudo: the line "student ALL=\(ALL\) NOPASSWD: ALL" in \/etc\/sudoers\.d\/90-student/m);
  // The views' capture and the link impairment, as a notebook cell calls them on this host.
  const script = [
    'const { host, impairLink } = require("@sockets-typescript/notebook");',
    'const here = host("juliet", { print: () => {}, show: () => {} });',
    "(async () => {",
    "  await here.capture.started();",
    '  console.log("capture: " + here.capture.problem);',
    '  try { await impairLink({ loss: 0.1 }); console.log("impair: no error"); } catch (e) { console.log(`impair: ${e.name} ${e.code}: ${e.message}`); }',
    "})();",
  ].join("\n");
  const run = runSync(hosts.inHost("juliet", NO_NOPASSWD, ["sh", "-c", `cd ${project} && node -e '${script.replace(/'/g, "'\\''")}'`]));
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^capture: the wire view's capture needs root and student is not root: it runs `sudo -n sh -c 'tcpdump -i lan0 \.\.\.'`, and sudo refused \(a password is required\)\. Give student password-less sudo: the line "student ALL=\(ALL\) NOPASSWD: ALL" in \/etc\/sudoers\.d\/90-student/m);
  assert.match(run.stdout, /^impair: OSError ERR_NOTEBOOK_LINK: changing the link \(tc, iptables, ip and the impairment stage\) needs root and student is not root: it runs `sudo -n unshare --net sh -c <probe>`, and sudo refused \(a password is required\)\. Give student password-less sudo: the line "student ALL=\(ALL\) NOPASSWD: ALL"/m);
  assert.deepEqual(hosts.userProcesses(), [], "the failed attempts left processes");
});
