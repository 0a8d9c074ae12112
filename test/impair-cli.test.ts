// npm run lab:impair as a person types it: bad input is one line and exit 2; status shows the
// impairment; --clear and Ctrl-C / SIGTERM at any moment leave nothing behind.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { needsRoot, projectRoot, testLab } from "./support/lab-fixture";
import { traces } from "./support/impair-fixture";

const cli = join(projectRoot, "dist", "src", "lab", "cli.js");
const env = { ...process.env, SOCKETS_LAB_PREFIX: "ic-" };
const lab = testLab("ic-");
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { env, encoding: "utf8", timeout: 60_000 });
const nothingLeft = () => [...traces(lab, "romeo"), ...traces(lab, "juliet")];

// node --test's file timeout ends a file by signal, without its after hooks: take the lab down then too.
for (const sig of ["SIGTERM", "SIGINT"] as const) {
  process.once(sig, () => {
    if (!needsRoot) run("down");
    process.exit(128 + (sig === "SIGTERM" ? 15 : 2));
  });
}

after(() => {
  if (!needsRoot) run("down");
});

test("bad input: one clear line on stderr and exit 2", () => {
  const cases: [string[], string][] = [
    [["--loss", "120%"], "lab impair: error: argument --loss: 120% is more than 100%"],
    [["--delay", "-5ms"], "lab impair: error: argument --delay: -5ms is negative"],
    [["--loss", "20%", "--frobnicate"], "lab impair: error: unrecognized argument: --frobnicate (known: --loss, --delay, --jitter, --duplicate, --reorder, --seed, --direction, --clear)"],
    [["--loss", "20%", "--host", "mercutio"], 'lab impair: error: argument --host: expected romeo, juliet or both, got "mercutio"'],
    [[], "lab impair: error: nothing to impair: give --loss, --delay, --duplicate or --reorder (or --clear to remove an impairment)"],
  ];
  for (const [args, line] of cases) {
    const r = run("impair", ...args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr, `${line}\n`);
    assert.equal(r.stdout, "");
  }
});

test("with the lab down it says so", { skip: needsRoot }, () => {
  run("down");
  const r = run("impair", "--loss", "20%");
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), "lab: the lab is not up: run npm run lab:up first");
  assert.equal(run("impair", "--clear").status, 0, "--clear with the lab down is fine (nothing to remove)");
});

test("impair prints the mechanism and what the machine supports; status shows it; --clear removes it", { skip: needsRoot }, () => {
  assert.equal(run("up").status, 0);
  const r = run("impair", "--loss", "20%", "--delay", "50ms", "--duplicate", "5%", "--reorder", "10%", "--seed", "9");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^lab: mechanism on this machine: (the kernel's netem qdisc|the userspace stage \(NFQUEUE\)): .+$/m);
  assert.match(r.stdout, /^lab: this machine supports: loss (yes|no), delay (yes|no), jitter (yes|no), duplicate (yes|no), reorder (yes|no), seed (yes|no), ingress (yes|no)$/m);
  assert.match(r.stdout, /^lab: romeo: loss 20%, delay 50ms, duplicate 5%, reorder 10%, seed 9 on lan0 in ic-romeo by /m);
  assert.match(r.stdout, /^lab: juliet: loss 20%, delay 50ms, duplicate 5%, reorder 10%, seed 9 on lan0 in ic-juliet by /m);
  assert.match(r.stdout, /^lab: replay the same fates with --seed 9; remove with npm run lab:impair -- --clear/m);
  const status = run("status");
  assert.match(status.stdout, /^ {8}impaired: loss 20%, delay 50ms, duplicate 5%, reorder 10%, seed 9 .*\(npm run lab:impair -- --clear removes it\)$/m);
  assert.equal(status.stdout.match(/impaired:/g)?.length, 2);
  const one = run("impair", "--loss", "5%", "--host", "juliet");
  assert.equal(one.status, 0, one.stderr);
  assert.doesNotMatch(one.stdout, /romeo:/);
  const clear = run("impair", "--clear");
  assert.equal(clear.status, 0, clear.stderr);
  assert.equal(clear.stdout, "lab: no impairment on romeo and juliet (stage, iptables rules and qdiscs removed)\n");
  assert.deepEqual(nothingLeft(), []);
  assert.doesNotMatch(run("status").stdout, /impaired:/);
});

/** Starts `impair`, sends `signal` when `when` says so, and waits for the end. */
async function interrupt(signal: NodeJS.Signals, when: { afterMs?: number; afterLine?: string }): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [cli, "impair", "--loss", "20%", "--delay", "50ms", "--seed", "3"], {
    env: { ...env, SOCKETS_IMPAIR_STEP_PAUSE_MS: "400" }, stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const onData = (chunk: Buffer) => {
    out += chunk;
    if (when.afterLine && out.includes(when.afterLine)) {
      when.afterLine = undefined;
      child.kill(signal);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  if (when.afterMs !== undefined) setTimeout(() => child.kill(signal), when.afterMs);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  return { code, out };
}

for (const [signal, when, name] of [
  ["SIGINT", { afterMs: 50 }, "Ctrl-C at 0.05 s"],
  ["SIGINT", { afterMs: 300 }, "Ctrl-C at 0.3 s"],
  ["SIGINT", { afterLine: "lab: romeo:" }, "Ctrl-C with romeo impaired and juliet not yet"],
  ["SIGTERM", { afterMs: 200 }, "SIGTERM at 0.2 s"],
  ["SIGTERM", { afterLine: "lab: romeo:" }, "SIGTERM half-way"],
] as const) {
  test(`${name} leaves no stage, rule or qdisc (or, if it was too late, a complete impairment)`, { skip: needsRoot }, async () => {
    assert.equal(run("up").status, 0);
    run("impair", "--clear");
    const { code, out } = await interrupt(signal, { ...when });
    if (code === null) {
      // Killed by the signal's default action: it came while Node was still starting, before the
      // command had made anything (its handlers are in place before the first change).
      assert.doesNotMatch(out, /lab: romeo:/);
    } else if (code === 0) {
      // The signal came after the command had finished: the impairment is whole, and clear removes it.
      assert.match(out, /lab: juliet:/);
      assert.equal(run("impair", "--clear").status, 0);
    } else {
      assert.equal(code, 130, out);
      assert.match(out, /lab: interrupted: the impairment was not put in place, and what was made is removed again/);
    }
    assert.deepEqual(nothingLeft(), []);
  });
}

test("the command killed outright (SIGKILL) half-way: --clear still finds and removes everything", { skip: needsRoot }, async () => {
  assert.equal(run("up").status, 0);
  const child = spawn(process.execPath, [cli, "impair", "--loss", "20%", "--seed", "3"], { env: { ...env, SOCKETS_IMPAIR_STEP_PAUSE_MS: "2000" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  while (!out.includes("lab: romeo:")) await new Promise((r) => setTimeout(r, 20));
  child.kill("SIGKILL");
  await new Promise((r) => child.on("exit", r));
  assert.notDeepEqual(nothingLeft(), [], "romeo's stage runs on (it was complete when the command died)");
  assert.equal(run("impair", "--clear").status, 0);
  assert.deepEqual(nothingLeft(), []);
});
