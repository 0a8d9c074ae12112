// The grader's sandbox. First bwrap + setpriv + prlimit as host-kernel starts tslab, alone (no
// lab): the uid, the capabilities, what is mounted, the environment, the PID namespace, the
// control descriptor, a cgroup's kill of what double-forked. Then a class of hostile submissions
// graded with --class two at once (each a reference solution with one cell changed: test/support/
// hostile-submissions.ts): each is contained and reported, the right one still gets full marks,
// the class run completes and nothing of any submission is left. And the snooping submission
// graded with --no-sandbox, to show that its snoop works where nothing stops it. Needs root.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { needsRoot, namespaces, projectRoot } from "./support/lab-fixture";
import { busyLoopCell, detachCell, floodCell, forkBombCell, memoryHogCell, snoopCell, trespassCell, writeSubmission } from "./support/hostile-submissions";
import { sandboxArgv, sandboxEnv, type SandboxSpec } from "../src/host/sandbox";
import { Cgroup, cgroupVersion } from "../src/grader/cgroups";
import { DEFAULT_LIMITS, processesOf, probeSandbox } from "../src/grader/sandbox";
import type { GradesFile } from "../src/grader/grade-report";

let dir = "";
const marker = 41_000 + Math.floor(Math.random() * 9_000);
const hostTmpFile = join(tmpdir(), `sockets-planted-${marker}`);

before(() => {
  dir = mkdtempSync(join(tmpdir(), "sandbox-test-"));
});
after(() => {
  // SANDBOX_TEST_KEEP=1: the class folder and its grades stay, to look at.
  if (process.env.SANDBOX_TEST_KEEP) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  rmSync(hostTmpFile, { force: true });
});

const uidOf = 1_499_000_000 + Math.floor(Math.random() * 1_000_000);

test("a kernel's process in the sandbox: its own uid, no capability, only what it needs mounted, a cleared environment, its own PID namespace, the control descriptor kept", { skip: needsRoot || (probeSandbox().ok ? false : "no sandbox here") }, () => {
  const folder = join(dir, "submission");
  rmSync(folder, { recursive: true, force: true });
  spawnSync("mkdir", ["-p", folder]);
  writeFileSync(join(folder, "mine.txt"), "mine\n");
  const spec: SandboxSpec = { uid: uidOf, gid: uidOf, readOnly: [join(projectRoot, "node_modules")], cgroupProcs: [], limits: DEFAULT_LIMITS };
  const script = `
    const fs = require("fs");
    const out = {};
    const tryIt = (name, f) => { try { out[name] = f(); } catch (e) { out[name] = "refused " + e.code; } };
    out.uid = process.getuid(); out.gid = process.getgid(); out.groups = process.getgroups();
    out.caps = fs.readFileSync("/proc/self/status", "utf8").split("\\n").filter((l) => /^Cap(Eff|Prm|Bnd|Amb)/.test(l)).map((l) => l.split(/\\s+/)[1]);
    out.noNewPrivs = /NoNewPrivs:\\s+1/.test(fs.readFileSync("/proc/self/status", "utf8"));
    tryIt("shadow", () => fs.readFileSync("/etc/shadow", "utf8").length);
    tryIt("root", () => fs.readdirSync("/").sort().join(","));
    tryIt("projectDist", () => fs.readdirSync(${JSON.stringify(join(projectRoot, "dist"))}).length);
    tryIt("nodeModules", () => fs.existsSync(${JSON.stringify(join(projectRoot, "node_modules", "tslab"))}));
    tryIt("readMine", () => fs.readFileSync("mine.txt", "utf8").trim());
    tryIt("writeCwd", () => fs.writeFileSync("planted.txt", "x"));
    tryIt("writeTmp", () => (fs.writeFileSync("/tmp/mine-${marker}", "x"), "ok"));
    out.pids = fs.readdirSync("/proc").filter((n) => /^\\d+$/.test(n)).length;
    out.env = Object.keys(process.env).sort();
    tryIt("control", () => (fs.writeSync(3, "hello over fd 3\\n"), "ok"));
    console.log(JSON.stringify(out));
  `;
  const env = sandboxEnv({ ...process.env, GITHUB_TOKEN: "secret", SOCKETS_SANDBOX: "{}", SOCKETS_DIALOGUE_VARIANT: "mine" }, { SOCKETS_KERNEL_CONTROL_FD: "3" });
  const [program, ...args] = sandboxArgv(spec, [process.execPath, "-e", script], env, folder);
  const run = spawnSync(program, args, { cwd: folder, encoding: "utf8", stdio: ["ignore", "pipe", "pipe", "pipe"], timeout: 20_000 });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
  assert.equal(out.uid, uidOf);
  assert.equal(out.gid, uidOf);
  assert.deepEqual(out.groups, [uidOf]);
  assert.deepEqual(out.caps, ["0000000000000000", "0000000000000000", "0000000000000000", "0000000000000000"]);
  assert.equal(out.noNewPrivs, true);
  assert.equal(out.shadow, "refused ENOENT");
  assert.equal(out.projectDist, "refused ENOENT", "only what spec.readOnly names of the project is there");
  assert.equal(out.nodeModules, true);
  assert.equal(out.readMine, "mine");
  assert.equal(out.writeCwd, "refused EROFS");
  assert.equal(out.writeTmp, "ok");
  assert.ok(out.pids <= 3, `its own PID namespace: ${out.pids} processes visible`);
  assert.ok(!out.env.includes("GITHUB_TOKEN") && !out.env.includes("SOCKETS_SANDBOX"), out.env.join(" "));
  assert.ok(out.env.includes("SOCKETS_DIALOGUE_VARIANT"), "its own settings are kept");
  assert.equal(out.control, "ok");
  assert.equal(existsSync(`/tmp/mine-${marker}`), false, "its /tmp is its own");
  assert.equal(existsSync(join(folder, "planted.txt")), false);
});

test("a cgroup's kill ends every process of a sandboxed kernel, also one double-forked into a session of its own", { skip: needsRoot || (cgroupVersion() === null ? "no cgroup here" : false) }, async () => {
  const group = Cgroup.create(cgroupVersion()!, `test-${marker}`, { memoryBytes: 256 * 1024 * 1024, processes: 64, cpus: 1 });
  try {
    const spec: SandboxSpec = { uid: uidOf + 1, gid: uidOf + 1, readOnly: [], cgroupProcs: [], limits: DEFAULT_LIMITS };
    const [program, ...args] = sandboxArgv(spec, ["/usr/bin/sh", "-c", `setsid sh -c 'sleep ${marker + 7}' & sleep ${marker + 8}`], sandboxEnv({}, {}), "/usr");
    // The cgroup is joined by a wrapper before bwrap, as lab-launcher joins it before host-kernel.
    const wrapper = `for f in ${group.procsFiles.join(" ")}; do echo $$ > $f; done; exec "$@"`;
    const child = spawn("/bin/sh", ["-c", wrapper, "sh", program, ...args], { stdio: "ignore" });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    const deadline = Date.now() + 10_000;
    while (processesOf(uidOf + 1).length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const mine = processesOf(uidOf + 1);
    assert.ok(mine.length >= 3, `sh, the session's sh or sleep, and sleep run as the uid: ${mine.length}`);
    assert.ok(mine.every((pid) => group.pids().includes(pid)), "all of them in the cgroup");
    assert.deepEqual(await group.killAll(), []);
    await exited;
    assert.deepEqual(processesOf(uidOf + 1), []);
  } finally {
    await group.remove();
  }
});

const students: Record<string, (folder: string, out: string) => void> = {
  "a-right": (folder) => writeSubmission(folder, "udp", "juliet", { where: "sock.bind(", code: "console.log('nothing changed');\n", mode: "after" }),
  "b-snoop-tcp": (folder) => writeSubmission(folder, "tcp", "romeo", { where: "new LineReader(conn)", code: snoopCell("juliet", "linesHeard"), mode: "replace" }),
  "c-snoop-udp": (folder) => writeSubmission(folder, "udp", "juliet", { where: "let romeoAddress", code: snoopCell("romeo", "heard"), mode: "replace" }),
  "d-trespass": (folder, out) => writeSubmission(folder, "udp", "juliet", { where: "sock.bind(", code: trespassCell({ outFolder: out, otherStudent: join(dir, "class", "a-right"), hostTmpFile }), mode: "after" }),
  "e-detach": (folder) => writeSubmission(folder, "udp", "juliet", { where: "sock.bind(", code: detachCell(marker), mode: "after" }),
  "f-forkbomb": (folder) => writeSubmission(folder, "udp", "juliet", { where: "sock.bind(", code: forkBombCell, mode: "after" }),
  "g-memhog": (folder) => writeSubmission(folder, "udp", "juliet", { where: "sock.bind(", code: memoryHogCell, mode: "after" }),
  "h-busy": (folder) => writeSubmission(folder, "udp", "juliet", { where: "sock.bind(", code: busyLoopCell, mode: "after" }),
  "i-flood": (folder) => writeSubmission(folder, "udp", "juliet", { where: "sock.bind(", code: floodCell, mode: "after" }),
};

const sandboxUidsLeft = () =>
  readdirSync("/proc").filter((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1]) >= 1_500_000_000;
    } catch {
      return false;
    }
  });
const markedLeft = () =>
  readdirSync("/proc").filter((entry) => {
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      return [marker, marker + 1, marker + 2].some((n) => argv.includes(String(n)));
    } catch {
      return false;
    }
  });

test("a class of hostile submissions, two at once: each is contained and reported, the right one gets full marks, nothing is left", { skip: needsRoot || (probeSandbox().ok ? false : "no sandbox here"), timeout: 600_000 }, async () => {
  const out = join(dir, "out");
  for (const [student, write] of Object.entries(students)) write(join(dir, "class", student), out);
  const started = Date.now();
  const run = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "grader", "check-exercise.js"), "--class", join(dir, "class"), "--parallel", "2", "--seeds", "1", "--timeout", "8", "--out", out], {
    cwd: projectRoot,
    env: { ...process.env, SOCKETS_LAB_PREFIX: "gsb" },
    encoding: "utf8",
    timeout: 540_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (Date.now() - started) / 1000;
  assert.equal(run.status, 0, `${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`);
  console.log(`graded ${Object.keys(students).length} hostile submissions in ${seconds.toFixed(0)} s`);
  const file = JSON.parse(readFileSync(join(out, "grades.json"), "utf8")) as GradesFile;
  const grade = (student: string) => file.grades.find((g) => g.student === student)!;
  const printed = (student: string) => (grade(student).result?.cases ?? []).flatMap((c) => c.entries).map((e) => e.stdout + e.stderr).join("\n");
  const details = (student: string) => (grade(student).result?.verdicts ?? []).flatMap((v) => v.details).join("\n");
  assert.equal(file.grades.length, Object.keys(students).length, "every submission has a grade");
  for (const g of file.grades) assert.equal(g.error, null, `${g.student}: ${g.error}`);
  assert.match(run.stdout, /sandbox: each kernel as its own uid/);

  // The right submission, graded beside the others, as if they were not there.
  assert.equal(grade("a-right").score, 3, details("a-right"));

  // Snooping: no rule, no environment, no command line of the checker's or the partner's is readable.
  for (const [student, partner] of [["b-snoop-tcp", "juliet"], ["c-snoop-udp", "romeo"]] as const) {
    const text = printed(student);
    assert.match(text, new RegExp(`snoop: iptables: refused \\(.*(Permission denied|must be root).*\\); environ: \\d+ of \\d+ processes readable; lines of ${partner} found without receiving: 0`), text.slice(0, 3000));
    assert.ok(Number(/environ: (\d+) of/.exec(text)![1]) <= 3, "only its own processes are visible");
    assert.equal(grade(student).verdicts.find((v) => /printed/.test(v.requirement))!.passed, false);
  }

  // Trespassing: every read and write outside its copy and its /tmp is refused; nothing is planted.
  const trespass = printed("d-trespass");
  for (const what of ["read /etc/shadow", "list the other submission", "write next to grades.csv", "write next to the notebook"]) {
    assert.match(trespass, new RegExp(`trespass: ${what}: refused \\(E[A-Z]+\\)`), trespass.slice(0, 3000));
  }
  assert.match(trespass, /trespass: write in \/tmp: DONE/, "its private /tmp is writable");
  assert.equal(existsSync(join(out, "planted.csv")), false);
  assert.equal(existsSync(hostTmpFile), false, "what it wrote in its /tmp is not in the machine's");
  const shadowFirst = readFileSync("/etc/shadow", "utf8").split("\n")[0];
  for (const name of readdirSync(out)) assert.ok(!readFileSync(join(out, name), "utf8").includes(shadowFirst), `${name} holds a line of /etc/shadow`);

  // Detached processes, in a session or a namespace of their own, ended with the run.
  assert.match(printed("e-detach"), /detach: started 3 processes/);
  assert.deepEqual(markedLeft(), []);

  // Limits: each hostile one fails "no cell failed" with the limit it hit.
  assert.match(details("f-forkbomb"), /sandbox: juliet's code reached the limit of 256 processes/);
  assert.match(details("g-memhog"), /sandbox: juliet's kernel (used all its memory \(1024 MiB\) and was killed|reached its memory limit \(1024 MiB\))/);
  assert.match(details("h-busy"), /juliet's cell \d+ \(step B1\) did not finish within 8 s/);
  for (const student of ["f-forkbomb", "g-memhog", "h-busy"]) assert.equal(grade(student).verdicts.find((v) => v.requirement === "no cell failed")!.passed, false);

  // A flood: the first MB kept, the rest counted; the report stays small.
  const flood = (grade("i-flood").result?.cases ?? []).flatMap((c) => c.entries).find((e) => e.code.includes("piece"))!;
  assert.ok(flood.stdout.length <= 1_000_200, `${flood.stdout.length} characters kept`);
  assert.match(flood.stderr + flood.stdout, /this cell printed \d+ more characters|IOPub data rate exceeded/);
  for (const name of readdirSync(out)) assert.ok(statSync(join(out, name)).size < 16 * 1024 * 1024, `${name}: ${statSync(join(out, name)).size} bytes`);

  // Nothing of any submission is left: no process of a sandbox uid, no cgroup, no copy, no lab.
  assert.deepEqual(sandboxUidsLeft(), []);
  for (const controller of ["pids", "memory", ""]) {
    const parent = join("/sys/fs/cgroup", controller, "sockets-grader");
    if (existsSync(parent)) assert.deepEqual(readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name), []);
  }
  assert.deepEqual(readdirSync(projectRoot).filter((name) => name.startsWith(".grading-")), []);
  assert.deepEqual(namespaces().filter((ns) => ns.startsWith("gsb")), []);
});

test("the same snoop without the sandbox (--no-sandbox) finds the partner's lines: the test above can fail", { skip: needsRoot, timeout: 300_000 }, () => {
  // Inside the project: the Jupyter server opens notebooks only below its root.
  const folder = mkdtempSync(join(projectRoot, ".test-snoop-"));
  after(() => rmSync(folder, { recursive: true, force: true }));
  writeSubmission(folder, "tcp", "romeo", { where: "new LineReader(conn)", code: snoopCell("juliet", "linesHeard"), mode: "replace" });
  const run = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "grader", "check-exercise.js"), join(folder, "juliet.ipynb"), join(folder, "romeo.ipynb"), "--timeout", "8", "--no-sandbox", "--json", join(dir, "nosandbox.json")], {
    cwd: projectRoot,
    env: { ...process.env, SOCKETS_LAB_PREFIX: "gsn-" },
    encoding: "utf8",
    timeout: 240_000,
  });
  assert.ok(run.status === 0 || run.status === 1, `${run.stdout.slice(-3000)}\n${run.stderr}`);
  assert.match(run.stdout, /none: the kernels ran as root|snoop: iptables: read \d+ rules with words/);
  assert.match(run.stdout, /lines of juliet found without receiving: [1-9]/, run.stdout.slice(-3000));
});
