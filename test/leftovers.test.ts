// Nothing is left behind: each command of the project, run to its end and stopped half-way with
// Ctrl-C (SIGINT to its process group, as a terminal does) or SIGTERM (to the process, as kill
// does) at a couple of moments, leaves the machine as it found it: namespaces, /etc/netns,
// processes started from the project, the project's /tmp folders, iptables rules (support/leftovers).
//
//   LEFTOVERS_ONLY=<regex>: run only the scenarios whose name matches.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { needsRoot, projectRoot } from "./support/lab-fixture";
import { MARK, snapshot, untilSame, type Snapshot } from "./support/leftovers";

const PREFIX = "lo-";
const only = process.env.LEFTOVERS_ONLY ? new RegExp(process.env.LEFTOVERS_ONLY) : null;
/** A command that has not exited this long after the signal (or its start) hangs. */
const EXIT_DEADLINE_MS = 180_000;
/** Processes take a moment to go after their parent exited. */
const SETTLE_MS = 15_000;

type Stop = { signal: "SIGINT" | "SIGTERM"; after: RegExp | number; extraMs?: number };

const dist = (...parts: string[]) => join(projectRoot, "dist", ...parts);
const node = (script: string, ...args: string[]) => [process.execPath, script, ...args];

const walkthrough = node(dist("src", "runner", "walkthrough.js"), "udp");
const fixtures = join(projectRoot, "test", "fixtures");
const checker = node(dist("src", "grader", "check-exercise.js"), join(fixtures, "balcony-udp-unreliable-juliet.ipynb"), join(fixtures, "balcony-udp-unreliable-romeo.ipynb"), "--udp");
const labSpeed = node(dist("bench", "lab-speed.js"));
const viewsCost = node(dist("bench", "views-cost.js"));
const classGrading = node(dist("bench", "class-grading.js"));
const bench = node(dist("bench", "main.js"), "--quick", "--link", "veth");
const start = node(dist("src", "start.js"));
const labCli = (command: string) => node(dist("src", "lab", "cli.js"), command);

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  /** Whether the stop signal was sent before the command ended by itself. */
  stopped: boolean;
}

/** Runs argv from the project folder; sends `stop` once its output matches (or after ms). */
function runCommand(argv: string[], stop?: Stop, env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: projectRoot,
      env: { ...process.env, SOCKETS_LAB_PREFIX: PREFIX, [MARK.split("=")[0]]: MARK.split("=")[1], ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group: a Ctrl-C reaches all of it, never the test runner
    });
    let output = "";
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const send = () => {
      if (stopped || child.exitCode !== null) return;
      stopped = true;
      if (stop!.signal === "SIGINT") process.kill(-child.pid!, "SIGINT");
      else child.kill("SIGTERM");
    };
    const arm = () => (timer = setTimeout(send, stop?.extraMs ?? 0));
    const onOutput = (chunk: Buffer) => {
      output += chunk;
      if (stop && stop.after instanceof RegExp && timer === undefined && stop.after.test(output)) arm();
    };
    child.stdout.on("data", onOutput);
    child.stderr.on("data", onOutput);
    if (stop && typeof stop.after === "number") timer = setTimeout(send, stop.after);
    const hung = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // gone
      }
      reject(new Error(`${argv.slice(1).join(" ")} did not exit within ${EXIT_DEADLINE_MS / 1000} s${stopped ? ` of ${stop!.signal}` : ""}; output:\n${output.slice(-3000)}`));
    }, EXIT_DEADLINE_MS);
    child.on("exit", (code, signal) => {
      clearTimeout(hung);
      clearTimeout(timer);
      resolve({ code, signal, output, stopped });
    });
  });
}

interface Scenario {
  name: string;
  argv: string[];
  stop?: Stop;
  env?: Record<string, string>;
  /** The lab (prefix lo-) is up before and after: the command must leave its hosts as they were (iptables). */
  labUp?: boolean;
  /** Exit code after the stop signal (default 130: it ended itself, after cleaning up). */
  stoppedCode?: number;
}

const halfWay = (name: string, argv: string[], early: Stop["after"], late: Stop["after"], extra: Partial<Scenario> = {}): Scenario[] => [
  { name: `${name}: to the end`, argv, ...extra },
  { name: `${name}: Ctrl-C early`, argv, stop: { signal: "SIGINT", after: early }, ...extra },
  { name: `${name}: Ctrl-C late`, argv, stop: { signal: "SIGINT", after: late, extraMs: 500 }, ...extra },
  { name: `${name}: SIGTERM early`, argv, stop: { signal: "SIGTERM", after: early }, ...extra },
  { name: `${name}: SIGTERM late`, argv, stop: { signal: "SIGTERM", after: late, extraMs: 500 }, ...extra },
];

const scenarios: Scenario[] = [
  // lab:up with a pause after each step, stopped after its second step (rolled back); lab:down after a full up.
  { name: "lab:up then lab:down", argv: labCli("up") },
  { name: "lab:up: Ctrl-C half-way", argv: labCli("up"), env: { SOCKETS_LAB_STEP_PAUSE_MS: "300" }, stop: { signal: "SIGINT", after: /lab: .*\n.*lab: / } },
  { name: "lab:up: SIGTERM half-way", argv: labCli("up"), env: { SOCKETS_LAB_STEP_PAUSE_MS: "300" }, stop: { signal: "SIGTERM", after: /lab: .*\n.*lab: / } },
  // npm start: its normal end is Ctrl-C once the URL is printed.
  { name: "start: Ctrl-C when ready", argv: start, stop: { signal: "SIGINT", after: /Open the notebooks/ }, stoppedCode: 0 },
  { name: "start: SIGTERM when ready", argv: start, stop: { signal: "SIGTERM", after: /Open the notebooks/ }, stoppedCode: 0 },
  { name: "start: Ctrl-C while the lab comes up", argv: start, stop: { signal: "SIGINT", after: /bringing the lab up/, extraMs: 200 } },
  { name: "start: SIGTERM while Jupyter starts", argv: start, stop: { signal: "SIGTERM", after: /starting Jupyter/, extraMs: 300 } },
  // The walkthrough and the checker: early = while the lab comes up / the server starts; late = cells running.
  ...halfWay("walkthrough udp", walkthrough, 1500, /== UDP walkthrough/),
  ...halfWay("check-exercise", checker, 1500, /cells on juliet and romeo \(kernels started/),
  // The checker on a lab that was up before: its iptables rules inside the hosts must go too.
  { name: "check-exercise on a lab already up: to the end", argv: checker, labUp: true },
  { name: "check-exercise on a lab already up: Ctrl-C late", argv: checker, labUp: true, stop: { signal: "SIGINT", after: /cells on juliet and romeo \(kernels started/, extraMs: 1500 } },
  { name: "check-exercise on a lab already up: SIGTERM late", argv: checker, labUp: true, stop: { signal: "SIGTERM", after: /cells on juliet and romeo \(kernels started/, extraMs: 1500 } },
  // The bench's lab-speed part (the full quick bench adds only loopback/veth rates, which the bench test covers).
  ...halfWay("bench lab-speed", labSpeed, 1500, 12_000),
  // Its views-cost part (lab, tcpdump, server, two kernels) and class-grading part (a lab and a
  // server per submission), each stopped while it measures.
  { name: "bench views-cost: Ctrl-C late", argv: viewsCost, stop: { signal: "SIGINT", after: /views cost: kernels started/, extraMs: 1000 } },
  { name: "bench class-grading: SIGTERM late", argv: classGrading, stop: { signal: "SIGTERM", after: /started student-1/, extraMs: 5000 } },
  // npm run bench -- --quick (veth link only: loopback opens nothing): stopped while it measures the
  // veth link (peers in the bs- hosts) and in its lab-speed part (server, kernels, bs- hosts).
  { name: "bench --quick: Ctrl-C on the veth link", argv: bench, stop: { signal: "SIGINT", after: /veth TCP/, extraMs: 1000 } },
  { name: "bench --quick: SIGTERM on the veth link", argv: bench, stop: { signal: "SIGTERM", after: /veth TCP/, extraMs: 1000 } },
  { name: "bench --quick: Ctrl-C in lab speed", argv: bench, stop: { signal: "SIGINT", after: /lab speed: lab up/, extraMs: 8000 } },
  { name: "bench --quick: SIGTERM in lab speed", argv: bench, stop: { signal: "SIGTERM", after: /lab speed: lab up/, extraMs: 8000 } },
];

test("the commands leave nothing behind, run to the end or stopped half-way", { skip: needsRoot, timeout: 3_600_000 }, async (t) => {
  const failures: string[] = [];
  let ran = 0;
  for (const scenario of scenarios) {
    if (only && !only.test(scenario.name)) continue;
    ran++;
    if (scenario.labUp) {
      const up = await runCommand(labCli("up"));
      assert.equal(up.code, 0, up.output);
    }
    const before: Snapshot = snapshot();
    const t0 = Date.now();
    let line: string;
    try {
      const outcome = await runCommand(scenario.argv, scenario.stop, scenario.env);
      if (scenario.name === "lab:up then lab:down") {
        const down = await runCommand(labCli("down"));
        assert.equal(down.code, 0, down.output);
      }
      const left = await untilSame(before, SETTLE_MS);
      const how = scenario.stop ? (outcome.stopped ? `${scenario.stop.signal} sent` : `ended before the ${scenario.stop.signal}`) : "ran to the end";
      line = `${scenario.name}: ${how}, exit ${outcome.code ?? outcome.signal}, ${((Date.now() - t0) / 1000).toFixed(1)} s, ${left.length} leftovers`;
      if (left.length > 0) failures.push(`${scenario.name} (exit ${outcome.code ?? outcome.signal}):\n    ${left.join("\n    ")}\n  output tail: ${outcome.output.slice(-600).replace(/\n/g, "\n    ")}`);
      // Stopped by a signal, a command ends by itself: 130 (not killed by the signal, which would skip its clean-up).
      // A stop that was never sent tested nothing: the command's output changed (update the marker).
      if (scenario.stop && !outcome.stopped) failures.push(`${scenario.name}: ended (exit ${outcome.code}) before its ${scenario.stop.signal} was sent: ${String(scenario.stop.after)} never appeared`);
      const expected = scenario.stoppedCode ?? 130;
      if (scenario.stop && outcome.stopped && outcome.code !== expected) failures.push(`${scenario.name}: exit ${outcome.code ?? outcome.signal} after ${scenario.stop.signal}, not ${expected}; output tail: ${outcome.output.slice(-600)}`);
    } finally {
      if (scenario.labUp) await runCommand(labCli("down"));
    }
    t.diagnostic(line);
    console.log(`# leftovers: ${line}`);
  }
  console.log(`# leftovers: ${ran} scenarios, ${failures.length} failures`);
  assert.deepEqual(failures, []);
});
