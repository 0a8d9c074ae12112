// impair / clearImpairment / activeImpairment for one target (a lab host's namespace or a
// testbed host). netem where the kernel has it; otherwise the userspace stage (stage.ts),
// started detached inside the target so it outlives the command that started it, found again
// by its command line (and its network namespace) when the impairment is cleared. No pid or
// state files: nothing can go stale.
import { spawn } from "node:child_process";
import { readFileSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { randomInt } from "node:crypto";
import { describeImpairment, validateImpairment, type Impairment } from "./args";
import { ImpairPermissionError, ImpairStageError, ImpairUnsupportedError, ImpairUsageError } from "./errors";
import { isRoot, prefixFor, run, tryRun, type ImpairTarget } from "./exec";
import { NETEM_HANDLE, ifbName, netemArgs, netemClearPlan, netemPlan } from "./netem";
import { deletionsFrom } from "./rules";
import { STAGE_MARKER } from "./rules";
import { stagePath, support, type Mechanism } from "./support";

export interface ImpairOptions {
  /** auto (default): netem where it works, else the userspace stage. */
  mechanism?: Mechanism | "auto";
  /** Aborting (Ctrl-C) while the impairment is being put in place undoes what was made. */
  signal?: AbortSignal;
  /** How long the stage may take to say it is ready (default 10 s). */
  readyTimeoutMs?: number;
}

export interface ImpairResult {
  mechanism: Mechanism;
  summary: string;
  /** The seed in use (chosen at random when none was given): pass it again to replay. */
  seed: number;
}

export interface ActiveImpairment {
  mechanism: Mechanism;
  /** The stage's impairment, or netem's own words for a netem qdisc. */
  description: string;
  spec?: Impairment;
  seed?: number;
  pids: number[];
}

const interrupted = () => new ImpairStageError("interrupted: the impairment was not put in place, and what was made is removed again", "ERR_IMPAIR_INTERRUPTED");

/** Puts the impairment on the target's interface (replacing any earlier one). */
export async function impair(target: ImpairTarget, spec: Impairment, options: ImpairOptions = {}): Promise<ImpairResult> {
  validateImpairment(spec);
  checkTarget(target);
  const sup = support();
  if (sup.permission) throw new ImpairPermissionError(sup.permission);
  let mechanism: Mechanism | null = options.mechanism && options.mechanism !== "auto" ? options.mechanism : sup.mechanism;
  // A seeded run must replay: prefer the stage when this netem cannot take a seed.
  if ((!options.mechanism || options.mechanism === "auto") && mechanism === "netem" && spec.seed !== undefined && sup.probe.netemSeed !== "ok" && sup.probe.nfqueue === "ok") mechanism = "userspace";
  if (mechanism === null) throw new ImpairUnsupportedError(`no link impairment on this machine: ${sup.why}`);
  if (mechanism === "netem" && sup.probe.netem !== "ok") throw new ImpairUnsupportedError(`netem is not available here (tc: ${sup.probe.netem})`);
  if (mechanism === "userspace" && sup.probe.nfqueue !== "ok") throw new ImpairUnsupportedError(`the userspace stage cannot run here (NFQUEUE: ${sup.probe.nfqueue})`);
  if (spec.direction === "both" && mechanism === "netem" && sup.probe.ifb !== "ok") throw new ImpairUnsupportedError(`direction "both" needs an ifb device with netem, and this machine has none (${sup.probe.ifb})`);
  await clearImpairment(target);
  if (options.signal?.aborted) throw interrupted();
  const seed = spec.seed ?? randomInt(0, 2 ** 31);
  const where = `${target.iface}${target.netns ? ` in ${target.netns}` : ""}`;
  if (mechanism === "netem") {
    const seeded = sup.probe.netemSeed === "ok";
    try {
      for (const argv of netemPlan(target.iface, spec, netemArgs(spec, seeded ? seed : undefined))) {
        if (options.signal?.aborted) throw interrupted();
        await run([...prefixFor(target), ...argv]);
      }
    } catch (err) {
      await clearImpairment(target);
      throw err;
    }
    return { mechanism, seed, summary: `${describeImpairment({ ...spec, seed })} on ${where} with the kernel's netem${seeded ? "" : " (this netem takes no seed: drops differ from run to run)"}` };
  }
  await startStage(target, spec, seed, options);
  return { mechanism, seed, summary: `${describeImpairment({ ...spec, seed })} on ${where} by the userspace stage (NFQUEUE)` };
}

function checkTarget(target: ImpairTarget): void {
  if (!target || typeof target.iface !== "string" || !/^[A-Za-z0-9_.:@-]{1,15}$/.test(target.iface)) {
    throw new ImpairUsageError(`target.iface must be an interface name such as "lan0", not ${JSON.stringify(target?.iface)}`);
  }
  if (target.netns !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(target.netns)) {
    throw new ImpairUsageError(`target.netns must be a network namespace name, not ${JSON.stringify(target.netns)}`);
  }
}

async function startStage(target: ImpairTarget, spec: Impairment, seed: number, options: ImpairOptions): Promise<void> {
  const argv = [...prefixFor(target), process.execPath, stagePath(), STAGE_MARKER, "--iface", target.iface, "--spec", JSON.stringify(spec), "--seed", String(seed)];
  // Detached (a session of its own): the terminal's Ctrl-C reaches the starter, not the stage,
  // and the starter decides (before READY: stop it; after: leave it running).
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ["ignore", "pipe", "ignore"] });
  const timeoutMs = options.readyTimeoutMs ?? 10_000;
  const answer = await new Promise<{ line?: string; code?: number | null; aborted?: boolean; spawnError?: Error }>((resolve) => {
    let out = "";
    const timer = setTimeout(() => resolve({}), timeoutMs);
    const onAbort = () => resolve({ aborted: true });
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const done = (value: { line?: string; code?: number | null; spawnError?: Error }) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve(value);
    };
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) done({ line: out.slice(0, nl) });
    });
    child.on("exit", (code) => done({ code, line: out.split("\n")[0] || undefined }));
    child.on("error", (err) => done({ spawnError: err }));
    if (options.signal?.aborted) onAbort();
  });
  child.stdout!.destroy();
  if (answer.line?.startsWith("READY")) {
    child.unref();
    return;
  }
  // Not ready: stop it (it undoes its own rules), then make sure nothing is left either way.
  await stopStages(target);
  await clearImpairment(target);
  if (answer.aborted) throw interrupted();
  if (answer.spawnError) throw new ImpairStageError(`the impairment stage did not start: ${answer.spawnError.message}`);
  if (answer.line?.startsWith("ERROR ")) throw new ImpairStageError(`the impairment stage failed: ${answer.line.slice(6)}`);
  if (answer.code !== undefined) throw new ImpairStageError(`the impairment stage ended (exit ${answer.code}) before it was ready${answer.line ? `: ${answer.line}` : ""}`);
  throw new ImpairStageError(`the impairment stage did not say it was ready within ${timeoutMs / 1000} s`);
}

/** The network namespace identity (inode) of the target, to tell our stages from others'. */
function targetNetnsInode(target: ImpairTarget): number | null {
  try {
    return target.netns ? statSync(`/var/run/netns/${target.netns}`).ino : statSync("/proc/self/ns/net").ino;
  } catch {
    return null;
  }
}

/** Stage processes running for this target (its interface, in its namespace). */
export function findStages(target: ImpairTarget): { pid: number; argv: string[] }[] {
  const wanted = targetNetnsInode(target);
  const found: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    // sudo's own process also carries the command line: only the stage itself counts.
    if (!argv.includes(STAGE_MARKER) || argv.includes("--probe") || argv[0] === "sudo" || argv[0] === "ip") continue;
    const i = argv.indexOf("--iface");
    if (argv[i + 1] !== target.iface) continue;
    let inode: number | null = null;
    try {
      const link = readlinkSync(`/proc/${entry}/ns/net`);
      inode = Number(/\[(\d+)\]/.exec(link)?.[1]);
    } catch {
      inode = null; // not ours to read (a root stage seen by a user): count it when the target is this host
    }
    if (inode === null ? !target.netns : inode === wanted) found.push({ pid: Number(entry), argv });
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z");
  } catch {
    return false;
  }
}

async function signal(target: ImpairTarget, pid: number, sig: "TERM" | "KILL"): Promise<void> {
  if (isRoot() || !target.sudo) {
    try {
      process.kill(pid, `SIG${sig}`);
    } catch {
      // gone
    }
  } else {
    await tryRun(["sudo", "-n", "kill", `-${sig}`, String(pid)]);
  }
}

/** Ends the target's stages: SIGTERM (they remove their rules), SIGKILL after 3 s. */
async function stopStages(target: ImpairTarget): Promise<void> {
  const pids = findStages(target).map((s) => s.pid);
  for (const pid of pids) await signal(target, pid, "TERM");
  const deadline = Date.now() + 3000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  for (const pid of pids.filter(alive)) await signal(target, pid, "KILL");
}

/** Removes every trace of an impairment on the target: stage, iptables rules, netem qdisc, ifb. Idempotent. */
export async function clearImpairment(target: ImpairTarget): Promise<void> {
  checkTarget(target);
  const prefix = prefixFor(target);
  if (target.netns && !(await namespaceExists(target.netns))) return; // the lab is down: nothing can be left
  await stopStages(target);
  const listing = await tryRun([...prefix, "iptables", "-w", "-t", "mangle", "-S"]);
  for (const del of deletionsFrom(listing ?? "", target.iface)) await tryRun([...prefix, "iptables", "-w", ...del]);
  const qdiscs = (await tryRun([...prefix, "tc", "qdisc", "show", "dev", target.iface])) ?? "";
  const ifb = (await tryRun([...prefix, "ip", "link", "show", ifbName(target.iface)])) !== null;
  for (const argv of netemClearPlan(target.iface, qdiscs, ifb)) await tryRun([...prefix, ...argv]);
}

async function namespaceExists(name: string): Promise<boolean> {
  try {
    statSync(`/var/run/netns/${name}`);
    return true;
  } catch {
    return false;
  }
}

/** The impairment in force on the target, or null. */
export async function activeImpairment(target: ImpairTarget): Promise<ActiveImpairment | null> {
  checkTarget(target);
  if (target.netns && !(await namespaceExists(target.netns))) return null;
  const stages = findStages(target);
  if (stages.length > 0) {
    const argv = stages[0].argv;
    const spec = JSON.parse(argv[argv.indexOf("--spec") + 1]) as Impairment;
    const seed = Number(argv[argv.indexOf("--seed") + 1]);
    return { mechanism: "userspace", spec, seed, pids: stages.map((s) => s.pid), description: `${describeImpairment({ ...spec, seed })} by the userspace stage (pid ${stages.map((s) => s.pid).join(", ")})` };
  }
  const qdiscs = (await tryRun([...prefixFor(target), "tc", "qdisc", "show", "dev", target.iface])) ?? "";
  const line = qdiscs.split("\n").find((l) => l.startsWith(`qdisc netem ${NETEM_HANDLE}`));
  if (line) return { mechanism: "netem", pids: [], description: `netem: ${line.replace(/^qdisc netem \S+ root refcnt \d+ /, "")}` };
  return null;
}
