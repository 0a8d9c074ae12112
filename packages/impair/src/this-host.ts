// The impairment of the host a notebook runs on: its LAN interface is the one holding its
// address from the topology (lan0 in the lab; the experiment interface on a testbed host).
// In the lab the kernel is root inside its host; on a testbed host the notebook user is not
// root, so the commands go through sudo -n (testbed images allow it without a password).
import { execFileSync } from "node:child_process";
import { hostNames, hosts } from "@sockets-typescript/topology";
import type { Impairment } from "./args";
import { describeImpairment, validateImpairment } from "./args";
import { activeImpairment, clearImpairment, impair, type ImpairResult } from "./control";
import { ImpairCommandError, ImpairUsageError } from "./errors";
import { isRoot, type ImpairTarget } from "./exec";

/** The target for this host: the interface with one of the topology's addresses. */
export function thisHostTarget(): ImpairTarget {
  let listing: { ifname: string; addr_info?: { family: string; local: string }[] }[];
  try {
    listing = JSON.parse(execFileSync("ip", ["-j", "-4", "addr", "show"], { encoding: "utf8" }));
  } catch (err) {
    throw new ImpairCommandError(["ip", "-j", "-4", "addr", "show"], (err as Error).message);
  }
  const addresses = hostNames.map((h) => hosts[h].address);
  for (const link of listing) {
    if ((link.addr_info ?? []).some((a) => addresses.includes(a.local))) return { iface: link.ifname, sudo: !isRoot() };
  }
  throw new ImpairUsageError(`this host has none of the tutorial's addresses (${addresses.join(", ")}): run this on romeo or juliet`);
}

/**
 * Puts the impairment on this host's LAN interface, on the way out (so both hosts' notebooks
 * calling it impair both directions). The stop button during the call undoes what was made.
 */
export async function impairThisHost(spec: Impairment): Promise<ImpairResult> {
  validateImpairment(spec); // a typo is said before anything looks at the machine
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.on("SIGINT", onSigint);
  try {
    return await impair(thisHostTarget(), spec, { signal: abort.signal });
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/** Removes this host's impairment (idempotent). */
export async function clearThisHost(): Promise<void> {
  await clearImpairment(thisHostTarget());
}

/** A line for a person: what is in force on this host. */
export async function thisHostImpairment(): Promise<string> {
  const active = await activeImpairment(thisHostTarget());
  return active ? active.description : "no impairment on this host";
}

export { describeImpairment };
