// The adversarial LAN for the UDP exercise: from one seed, how much the wire loses, duplicates,
// reorders and delays, in both directions (acknowledgements are datagrams like any other), so
// that a failure prints its seed and `--seed <n>` replays the same network. Several seeds per
// check: a solution must get through every one, so a lucky run passes no one.
import type { HostName } from "@sockets-typescript/topology";
import { hostNames } from "@sockets-typescript/topology";
import { LAN_INTERFACE, type Lab } from "../lab/lab";
import { hostIptables } from "./wire-watch";

export interface NetworkPlan {
  seed: number;
  /** Probability that a datagram is lost, each direction. */
  loss: number;
  /** Probability that a datagram arrives twice. */
  duplicate: number;
  /** Probability that a datagram is held back behind later ones. */
  reorder: number;
  /** Added one-way delay, milliseconds. */
  delayMs: number;
}

/** A small seeded generator (mulberry32): the same seed, the same plan, on any machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (value: number, step: number) => Math.round(value / step) * step;

/** The network of one seed: 10-30 % loss, 10-25 % duplicates, 10-25 % reordering, 5-30 ms delay. */
export function planFor(seed: number): NetworkPlan {
  const random = seededRandom(seed);
  return {
    seed,
    loss: round(0.1 + 0.2 * random(), 0.01),
    duplicate: round(0.1 + 0.15 * random(), 0.01),
    reorder: round(0.1 + 0.15 * random(), 0.01),
    delayMs: Math.round(5 + 25 * random()),
  };
}

/** Fresh seeds for a check (printed with the verdict, to replay with --seed). */
export function freshSeeds(count: number): number[] {
  const seeds = new Set<number>();
  // Up to 2^31: the run's words derive from the seed (replays), so it must not be guessable.
  while (seeds.size < count) seeds.add(1 + Math.floor(Math.random() * 0x7ffffffe));
  return [...seeds];
}

export function describePlan(plan: NetworkPlan): string {
  const pct = (p: number) => `${Math.round(p * 100)} %`;
  if (!impairPackage()) return `loses every ${Math.max(2, Math.round(1 / plan.loss))}th datagram arriving at each host (the packet filter; no impairment package in this build)`;
  return `loses ${pct(plan.loss)}, duplicates ${pct(plan.duplicate)}, reorders ${pct(plan.reorder)} of the datagrams each way, delay ${plan.delayMs} ms`;
}

const CHAIN = "SOCKETS-ADVERSARY";

/** What the checker uses of @sockets-typescript/impair (the lab's link impairment). */
interface ImpairPackage {
  impair(target: { netns?: string; iface: string }, spec: { loss?: number; delayMs?: number; duplicate?: number; reorder?: number; seed?: number }): Promise<{ summary: string; seed: number }>;
  clearImpairment(target: { netns?: string; iface: string }): Promise<void>;
}

/**
 * The impairment package when this build has it, else null (then only the loss part of the plan
 * can be made, with the packet filter). Loaded by name so the checker works with and without it.
 */
export function impairPackage(): ImpairPackage | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require("@sockets-typescript/impair") as ImpairPackage;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") return null;
    throw err;
  }
}

/** How the plan is put on the wire here, for the report. */
export function mechanism(): string {
  return impairPackage() ? "the lab's impairment (each host's lan0, what it sends)" : "the packet filter (loss only: every n-th datagram; no impairment package in this build)";
}

/**
 * Puts the plan on the LAN (both hosts); returns how to take it off again. With the impairment
 * package: on each host's lan0 for what the host sends (so both directions, acknowledgements
 * included), seeded: each datagram's fate follows from the seed and its bytes. Without it: the
 * packet filter loses every n-th datagram arriving at each host (n and phase from the seed).
 */
export async function applyPlan(lab: Lab, plan: NetworkPlan): Promise<() => Promise<void>> {
  const pkg = impairPackage();
  if (pkg) {
    const targets = hostNames.map((host) => ({ netns: lab.namespace(host), iface: LAN_INTERFACE }));
    const clear = async () => {
      for (const target of targets) await pkg.clearImpairment(target);
    };
    try {
      for (const target of targets) {
        await pkg.impair(target, { loss: plan.loss, duplicate: plan.duplicate, reorder: plan.reorder, delayMs: plan.delayMs, seed: plan.seed });
      }
    } catch (err) {
      await clear().catch(() => undefined);
      throw err;
    }
    return clear;
  }
  const random = seededRandom(plan.seed ^ 0x5eed);
  const clear = async () => {
    for (const host of hostNames) await removeAdversary(lab, host);
  };
  try {
    for (const host of hostNames) {
      await removeAdversary(lab, host);
      await hostIptables(lab, host, ["-N", CHAIN]);
      await hostIptables(lab, host, ["-I", "INPUT", "1", "-j", CHAIN]);
      // The packet filter's nth counter is deterministic: the same seed loses the same datagrams.
      const every = Math.max(2, Math.round(1 / plan.loss));
      const packet = Math.floor(random() * every);
      await hostIptables(lab, host, ["-A", CHAIN, "-p", "udp", "-m", "statistic", "--mode", "nth", "--every", String(every), "--packet", String(packet), "-j", "DROP"]);
    }
  } catch (err) {
    await clear().catch(() => undefined);
    throw err;
  }
  return clear;
}

/** Removes the fallback's chain from a host; quiet when absent. */
export async function removeAdversary(lab: Lab, host: HostName): Promise<void> {
  for (let i = 0; i < 10; i++) if ((await hostIptables(lab, host, ["-D", "INPUT", "-j", CHAIN]).then(() => true, () => false)) === false) break;
  await hostIptables(lab, host, ["-F", CHAIN]).catch(() => undefined);
  await hostIptables(lab, host, ["-X", CHAIN]).catch(() => undefined);
}
