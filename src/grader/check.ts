// checkExercise(): one submission's balcony pair run in the lab, as the walkthrough runner does
// (both hosts, steps interleaved), judged requirement by requirement. What makes it hard to fool:
//  - each run gives every line a word only its speaker's kernel knows (packages/dialogue,
//    variant.ts): a receiver shows a line right only if it read it off the socket;
//  - UDP: several runs (default 3), each on an adversarial LAN from a seed (adversary.ts), plus
//    the loss of the first datagram of line 4 and of line 10; the seeds are printed, --seed replays;
//  - TCP: a run as scheduled and a run in bursts (the receiver's host held while the sender's
//    cells run: its lines arrive run together), tags or not (exercise-run.ts).
// The command line is check-exercise.ts; a class is class-grading.ts.
import type { HostName } from "@sockets-typescript/topology";
import { makeVariant, variantEnvironment, variantLines } from "@sockets-typescript/dialogue";
import { LabSession } from "../session/lab-session";
import { CheckInterruptedError } from "./check-errors";
import { KernelStartError } from "../common/errors";
import type { HostNotebook } from "../session/notebook";
import type { TranscriptEntry } from "../session/cell-recorder";
import { schedule } from "../session/schedule";
import { formatEntry } from "../session/transcript";
import { projectRoot } from "../common/paths";
import { combineCases, judgeExercise, type Verdict } from "./exercise-requirements";
import type { LineArrival, RunLines } from "./lines";
import { DEFAULT_LOSSES, LOSS_COPIES, WireWatch } from "./wire-watch";
import { applyPlan, describePlan, freshSeeds, planFor, type NetworkPlan } from "./adversary";
import { detectProtocol, loadPair, type Protocol } from "./exercise-pair";
import { runExercise } from "./exercise-run";
import { CheckGuard } from "./check-guard";
import { Lab } from "../lab/lab";
import { DEFAULT_LIMITS, SubmissionSandbox, limitFindings, type Limits } from "./sandbox";
import { hostNames } from "@sockets-typescript/topology";
import { REQUIREMENTS } from "./exercise-requirements";

export type Variant = Protocol;

export interface ExerciseOptions {
  /** The two notebooks, in either order (the kernelspec says which host). */
  notebooks?: string[];
  /** The older form: juliet's and romeo's notebook. */
  juliet?: string;
  romeo?: string;
  variant?: Variant;
  /** UDP only: an adversarial LAN (default true); false: nothing lost. */
  loss?: boolean;
  /** UDP: the seeds to run (replay); default `seedCount` fresh ones. */
  seeds?: number[];
  seedCount?: number;
  timeoutMs?: number;
  prefix?: string;
  /** The folder the Jupyter server shows; notebooks must lie inside. Default: the project. */
  root?: string;
  print?: (line: string) => void;
  /** Undo registry shared with the caller (signals); default: one of its own, closed at the end. */
  guard?: CheckGuard;
  /** Run the student's kernels in the sandbox (sandbox.ts); default true. false: as root, as before (--no-sandbox). */
  sandbox?: boolean;
  /** The sandbox's limits per host kernel; default DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
}

/** One run of the pair (a seed, a pass). */
export interface CaseResult {
  name: string;
  plan: NetworkPlan | null;
  /** The lines whose first datagram the LAN dropped on purpose. */
  lost: number[];
  lines: RunLines;
  entries: TranscriptEntry[];
  arrivals: LineArrival[];
  verdicts: Verdict[];
  passed: boolean;
  wallMs: number;
  /** The sandbox limits a host hit in this run (also in the "no cell failed" verdict). */
  limitsHit?: string[];
}

export interface ExerciseResult {
  variant: Variant;
  notebooks: Record<HostName, string>;
  cases: CaseResult[];
  /** The seeds run (UDP), to replay with --seed. */
  seeds: number[];
  /** Every requirement over all cases. */
  verdicts: Verdict[];
  passed: boolean;
  wallMs: number;
  /** The first failing case's (else the first case's) transcript, lost lines and wire counts. */
  entries: TranscriptEntry[];
  arrivals: LineArrival[];
  lost: number[];
  /** What contained the kernels (one line), or why nothing did. */
  sandbox: string;
}

export const DEFAULT_SEED_COUNT = 3;

interface CaseSpec {
  name: string;
  plan: NetworkPlan | null;
  losses: number[];
  bursts: boolean;
}

function casesFor(variant: Variant, options: ExerciseOptions): CaseSpec[] {
  if (variant === "tcp") {
    return [
      { name: "as scheduled", plan: null, losses: [], bursts: false },
      { name: "in bursts", plan: null, losses: [], bursts: true },
    ];
  }
  if (options.loss === false) return [{ name: "no loss", plan: null, losses: [], bursts: false }];
  const seeds = options.seeds?.length ? options.seeds : freshSeeds(options.seedCount ?? DEFAULT_SEED_COUNT);
  return seeds.map((seed) => ({ name: `seed ${seed}`, plan: planFor(seed), losses: DEFAULT_LOSSES, bursts: false }));
}

/** A sandbox limit hit fails "no cell failed", with the limit first among its reasons. */
function withLimits(verdicts: Verdict[], found: string[]): Verdict[] {
  if (found.length === 0) return verdicts;
  return verdicts.map((v) => (v.requirement === REQUIREMENTS.noFailure ? { ...v, passed: false, details: [...found, ...(v.passed ? [] : v.details)] } : v));
}

async function runCase(session: LabSession, guard: CheckGuard, notebooks: HostNotebook[], variant: Variant, spec: CaseSpec, options: ExerciseOptions, sandbox: SubmissionSandbox | null): Promise<CaseResult> {
  const print = options.print ?? (() => {});
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 20_000;
  const cells = schedule(notebooks);
  // This run's words: each host's kernel is told only its own.
  const variants = { juliet: makeVariant("juliet", spec.plan?.seed), romeo: makeVariant("romeo", spec.plan?.seed) };
  const lines: RunLines = { juliet: variantLines(variants.juliet), romeo: variantLines(variants.romeo) };
  let entries: TranscriptEntry[] = [];
  let arrivals: LineArrival[] = [];
  const usageBefore = sandbox ? Object.fromEntries(hostNames.map((host) => [host, sandbox.usage(host)])) : {};
  const { value: watch, undo: unwatch } = await guard.make("the checker's packet counters", () => WireWatch.install(session.lab, variant, lines, spec.losses), (w) => () => w.uninstall());
  try {
    let unplan: (() => Promise<void>) | null = null;
    const plan = spec.plan;
    if (plan) {
      unplan = (await guard.make("the adversarial network", () => applyPlan(session.lab, plan), (clear) => clear)).undo;
    }
    try {
      print(`== ${spec.name}: ${spec.plan ? describePlan(spec.plan) : spec.bursts ? "each host held while the other's cell runs (lines arrive run together)" : "cells in step order"}` +
        (spec.losses.length ? `; the first ${LOSS_COPIES} datagrams carrying line ${spec.losses.join(" and line ")} are lost` : ""));
      const contained = (host: HostName) => sandbox?.envFor(host) ?? {};
      session.setKernelEnv({ juliet: { ...variantEnvironment(variants.juliet), ...contained("juliet") }, romeo: { ...variantEnvironment(variants.romeo), ...contained("romeo") } });
      const { value: pair, undo: unpair } = await guard.make("the kernels", () => startKernels(session, notebooks, sandbox, guard, print), (p) => () => p.stop());
      // Started: the words are no longer needed where another kernel could read them (the
      // sandbox stays: a kernel Jupyter restarts after a crash is contained too).
      session.setKernelEnv({ juliet: contained("juliet"), romeo: contained("romeo") });
      try {
        print(`   ${cells.length} cells on juliet and romeo (kernels started in ${pair.startMs} ms)`);
        entries = await runExercise(cells, pair.kernels, {
          timeoutMs,
          bursts: spec.bursts ? { lab: session.lab } : undefined,
          onCell: (entry, total) => print(formatEntry(entry, total)),
          aborted: () => guard.aborted,
        });
      } finally {
        await unpair();
        // Whatever the cells started (a detached process, one in a namespace of its own) ends with the run.
        const left = await sandbox?.endAll();
        if (left?.length) print(`   sandbox: processes ${left.join(", ")} would not end`);
      }
      arrivals = await watch.arrivals();
    } finally {
      if (unplan) await unplan();
    }
  } finally {
    await unwatch();
  }
  const wallMs = Date.now() - started;
  const limitsHit = sandbox ? hostNames.flatMap((host) => limitFindings(host, usageBefore[host]!, sandbox.usage(host), sandbox.limits, wallMs)) : [];
  for (const line of limitsHit) print(`   ${line}`);
  const verdicts = withLimits(judgeExercise(entries, arrivals, lines, timeoutMs), limitsHit);
  return { name: spec.name, plan: spec.plan, lost: spec.losses, lines, entries, arrivals, verdicts, passed: verdicts.every((v) => v.passed), wallMs, limitsHit };
}

/**
 * The run's kernel pair, started once more when a kernel does not answer in time. Why: a kernel
 * starts before any of the submission's cells runs, so a start that hangs is the grading
 * machine's trouble (seen once in ~30 checks in CI, under load), never the student's: the
 * submission is not failed for it. The first attempt's diagnosis (the kernel's state, the
 * server's last lines) is printed; a second timeout fails the check as before.
 */
export async function startKernels(session: LabSession, notebooks: HostNotebook[], sandbox: SubmissionSandbox | null, guard: CheckGuard, print: (line: string) => void) {
  try {
    return await session.startPair(notebooks);
  } catch (err) {
    if (!(err instanceof KernelStartError) || err.code !== "ERR_KERNEL_TIMEOUT" || guard.aborted) throw err;
    print(`   ${err.message.replace(/\n/g, "\n   ")}`);
    print("   starting the kernels once more (a kernel that does not start is the grading machine's trouble, not the submission's)");
    await sandbox?.endAll();
    return await session.startPair(notebooks);
  }
}

export async function checkExercise(options: ExerciseOptions): Promise<ExerciseResult> {
  const print = options.print ?? (() => {});
  const started = Date.now();
  const root = options.root ?? projectRoot;
  const paths = options.notebooks ?? [options.juliet, options.romeo].filter((p): p is string => typeof p === "string");
  // Paths, kernelspecs and protocol first: nothing is set up for a submission that cannot run.
  const given = loadPair(paths, root);
  const variant = options.variant ?? detectProtocol(given);
  const specs = casesFor(variant, options);
  const guard = options.guard ?? new CheckGuard();
  const cases: CaseResult[] = [];
  let notebooks = given;
  let sandbox: SubmissionSandbox | null = null;
  let contained = "none: the kernels ran as root (--no-sandbox)";
  try {
    if (options.sandbox !== false) {
      const limits = { ...DEFAULT_LIMITS, ...options.limits };
      sandbox = (await guard.make("the sandbox (the submission's copy, its cgroups, its processes)", async () => SubmissionSandbox.create(given.map((nb) => nb.path), root, limits), (s) => () => s.close())).value;
      notebooks = loadPair(sandbox.notebooks, root);
      contained = sandbox.describe();
      print(contained);
    }
    const lab = new Lab({ prefix: options.prefix });
    guard.labs.add(lab.prefix);
    if (await lab.isUp()) {
      // A lab that was up stays up: whatever the check starts in it is ended afterwards.
      const before = { juliet: await lab.pids("juliet"), romeo: await lab.pids("romeo") };
      guard.add("processes started in the lab", () => CheckGuard.endNewProcesses(lab, before));
    }
    const { value: session, undo: closeSession } = await guard.make("the Jupyter server (and the lab, if the check brought it up)", () => LabSession.open({ root, prefix: options.prefix, log: print }), (s) => () => s.close());
    try {
      for (const spec of specs) {
        if (guard.aborted) break;
        const result = await runCase(session, guard, notebooks, variant, spec, options, sandbox);
        cases.push(result);
        // A submission that hit a limit has its verdict: the other runs would only hit it again.
        if (result.limitsHit?.length) break;
      }
    } finally {
      await closeSession();
    }
  } finally {
    if (!options.guard) await guard.close(print);
  }
  if (guard.aborted && cases.length < specs.length && !cases.some((c) => c.limitsHit?.length)) throw new CheckInterruptedError("the check was interrupted");
  const verdicts = combineCases(cases.map((c) => ({ name: c.name, verdicts: c.verdicts })));
  const shown = cases.find((c) => !c.passed) ?? cases[0];
  return {
    variant,
    notebooks: { juliet: given[0].path, romeo: given[1].path },
    cases,
    seeds: cases.flatMap((c) => (c.plan ? [c.plan.seed] : [])),
    verdicts,
    passed: verdicts.every((v) => v.passed),
    wallMs: Date.now() - started,
    entries: shown.entries,
    arrivals: shown.arrivals,
    lost: shown.lost,
    sandbox: contained,
  };
}

/** The report: one PASS/FAIL line per requirement with its reasons. */
export function formatVerdicts(verdicts: readonly Verdict[]): string {
  return verdicts.map((v) => [`${v.passed ? "PASS" : "FAIL"}  ${v.requirement}`, ...v.details.map((d) => `      ${d}`)].join("\n")).join("\n");
}

/** The lines after the verdicts: the seeds and how to replay a failing one. */
export function formatSeeds(result: ExerciseResult): string[] {
  if (result.seeds.length === 0) return [];
  const failing = result.cases.filter((c) => c.plan && !c.passed).map((c) => c.plan!.seed);
  return [
    `network seeds: ${result.seeds.join(", ")}${failing.length ? ` (failed on ${failing.join(", ")})` : " (passed on every one)"}`,
    ...(failing.length ? [`replay: npm run check-exercise -- ${result.notebooks.juliet} ${result.notebooks.romeo} --seed ${failing.join(",")}`] : []),
  ];
}
