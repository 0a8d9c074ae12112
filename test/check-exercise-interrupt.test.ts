// Ctrl-C (SIGINT to the checker's process group, as a terminal sends it) and SIGTERM at several
// moments leave the machine as it was: no namespace, no process of the check, no temp folder, and
// in a lab that was already up, exactly the student's processes and iptables rules (filter: the
// checker's counters; mangle: the impairment's queue rules). Needs root.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hostNames } from "@sockets-typescript/topology";
import { needsRoot, namespaces, projectRoot, testLab } from "./support/lab-fixture";

const prefix = "rnc-";
const lab = testLab(prefix);
const checker = join(projectRoot, "dist", "src", "grader", "check-exercise.js");
const solutions = join(projectRoot, "notebooks", "solutions");

/** What the check could leave behind, outside the lab's hosts. */
function machine() {
  const ours = /^(sockets-|lab-kernel-|host-kernel-)/;
  const processes = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(projectRoot) && !line.includes("node --test") && !line.includes("check-exercise-interrupt") && !/\bps -eo\b/.test(line))
    .map((line) => line.trim());
  return {
    namespaces: namespaces().filter((ns) => ns.startsWith(prefix)),
    tmp: readdirSync(tmpdir()).filter((name) => ours.test(name)).sort(),
    staging: readdirSync(projectRoot).filter((name) => name.startsWith(".grading-")),
    processes,
  };
}

/** Inside the lab's hosts: processes and the whole iptables state. */
async function hostsState() {
  const state: Record<string, unknown> = {};
  for (const host of hostNames) {
    state[`${host} pids`] = (await lab.pids(host)).sort();
    for (const table of ["filter", "mangle"]) {
      state[`${host} iptables ${table}`] = execFileSync("ip", ["netns", "exec", lab.namespace(host), "iptables", "-t", table, "-S"], { encoding: "utf8" });
    }
  }
  return state;
}

interface Interrupted {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the checker in its own process group and sends `signal` to the group when `when` says so. */
function interruptCheck(when: { afterMs?: number; afterOutput?: RegExp }, signal: NodeJS.Signals = "SIGINT", args = [join(solutions, "03-balcony-udp-juliet.ipynb"), join(solutions, "03-balcony-udp-romeo.ipynb"), "--seeds", "1"]): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [checker, ...args], { cwd: projectRoot, env: { ...process.env, SOCKETS_LAB_PREFIX: prefix }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let sent = false;
    const send = () => {
      if (sent) return;
      sent = true;
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // ended already
      }
    };
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (when.afterOutput?.test(stdout)) send();
    });
    child.stderr.on("data", (chunk) => (stderr += chunk));
    if (when.afterMs !== undefined) setTimeout(send, when.afterMs);
    const guard = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the checker did not end within 120 s after the signal:\n${stdout}\n${stderr}`));
    }, 120_000);
    child.on("exit", (status, sig) => {
      clearTimeout(guard);
      resolve({ status, signal: sig, stdout, stderr });
    });
  });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

after(async () => {
  if (!needsRoot) await lab.down();
});

for (const [name, when, signal] of [
  ["0.3 s after the start (packages being checked)", { afterMs: 300 }, "SIGINT"],
  ["1 s after the start (lab and server coming up)", { afterMs: 1000 }, "SIGINT"],
  ["mid-run (cells running on both hosts)", { afterOutput: /\[ ?5\/\d+\]/ }, "SIGINT"],
  ["mid-run, by SIGTERM", { afterOutput: /\[ ?4\/\d+\]/ }, "SIGTERM"],
] as const) {
  test(`Ctrl-C ${name} leaves no namespace, process or temp folder`, { skip: needsRoot }, async () => {
    const before = machine();
    const result = await interruptCheck(when, signal);
    await settle();
    // Killed by the signal before its handler existed (nothing made yet), or ended by it with 130.
    assert.ok(result.status === 130 || result.signal === signal, `status ${result.status} signal ${result.signal}\n${result.stdout}\n${result.stderr}`);
    assert.doesNotMatch(result.stderr, /system packages missing/);
    assert.doesNotMatch(result.stderr, /check-exercise: /, "no error report for an interrupt");
    assert.deepEqual(machine(), before, `${result.stdout}\n${result.stderr}`);
  });
}

test("Ctrl-C mid-run in a lab that was already up keeps the lab, the student's processes and iptables rules, and removes only the check's", { skip: needsRoot }, async () => {
  await lab.up();
  // The student's own things in the lab: a process in juliet and a rule in romeo.
  const [cmd, ...args] = lab.hostArgv("juliet", ["sleep", "600"]);
  const student = spawn(cmd, args, { stdio: "ignore" });
  execFileSync("ip", ["netns", "exec", lab.namespace("romeo"), "iptables", "-A", "INPUT", "-p", "udp", "--dport", "9", "-j", "ACCEPT"]);
  try {
    await settle();
    const before = { machine: machine(), hosts: await hostsState() };
    const result = await interruptCheck({ afterOutput: /\[ ?6\/\d+\]/ });
    await settle();
    assert.equal(result.status, 130, result.stdout + result.stderr);
    assert.match(result.stderr, /SIGINT: stopping the check and undoing what it set up/);
    assert.ok(await lab.isUp(), "the student's lab is still up");
    assert.deepEqual({ machine: machine(), hosts: await hostsState() }, before, result.stdout);
    assert.equal(student.exitCode, null, "the student's process still runs");
  } finally {
    student.kill("SIGKILL");
    execFileSync("ip", ["netns", "exec", lab.namespace("romeo"), "iptables", "-D", "INPUT", "-p", "udp", "--dport", "9", "-j", "ACCEPT"]);
    await lab.down();
  }
});

