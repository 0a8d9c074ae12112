// The adversarial LAN for the UDP exercise: from one seed, how much the wire loses, duplicates,
// reorders and delays, in both directions (acknowledgements are datagrams like any other), so
// that a failure prints its seed and `--seed <n>` replays the same network. Several seeds per
// check: a solution must get through every one, so a lucky run passes no one.
import { hostNames } from "@sockets-typescript/topology";
import { clearImpairment, generator, impair } from "@sockets-typescript/impair";
import { LAN_INTERFACE, type Lab } from "../lab/lab";

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

const round = (value: number, step: number) => Math.round(value / step) * step;

/** The network of one seed: 10-30 % loss, 10-25 % duplicates, 10-25 % reordering, 5-30 ms delay. */
export function planFor(seed: number): NetworkPlan {
  // The impairment fates' seeded generator: the same seed, the same plan, on any machine.
  const random = generator(seed);
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
  return `loses ${pct(plan.loss)}, duplicates ${pct(plan.duplicate)}, reorders ${pct(plan.reorder)} of the datagrams each way, delay ${plan.delayMs} ms`;
}

/**
 * Puts the plan on the LAN with the lab's impairment (packages/impair) on each host's lan0, for
 * what the host sends: both directions, acknowledgements included. Seeded: each datagram's fate
 * follows from the seed and its bytes (the run's words derive from the seed too), so a replay of
 * the seed meets the same fates. Returns how to take it off again.
 */
export async function applyPlan(lab: Lab, plan: NetworkPlan): Promise<() => Promise<void>> {
  const targets = hostNames.map((host) => ({ netns: lab.namespace(host), iface: LAN_INTERFACE }));
  const clear = async () => {
    for (const target of targets) await clearImpairment(target);
  };
  try {
    for (const target of targets) {
      await impair(target, { loss: plan.loss, duplicate: plan.duplicate, reorder: plan.reorder, delayMs: plan.delayMs, seed: plan.seed });
    }
  } catch (err) {
    await clear().catch(() => undefined);
    throw err;
  }
  return clear;
}
