// Holding a host back: every process inside its namespace is stopped (SIGSTOP) and later
// continued (SIGCONT). The host's kernel still takes in what arrives (the network stack runs on),
// but its program reads nothing until it is continued: the checker uses this to make a TCP
// receiver find all the sender's lines already waiting, run together, in its first recv,
// whatever cells are tagged. Hosts left frozen are always continued (thawAll, also on Ctrl-C).
import type { HostName } from "@sockets-typescript/topology";
import type { Lab } from "../lab/lab";

const frozen = new Map<string, { lab: Lab; host: HostName; pids: number[] }>();

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // ended meanwhile
    }
  }
}

/** Stops every process in the host. */
export async function freezeHost(lab: Lab, host: HostName): Promise<void> {
  const key = lab.namespace(host);
  if (frozen.has(key)) return;
  const pids = await lab.pids(host);
  frozen.set(key, { lab, host, pids });
  signalAll(pids, "SIGSTOP");
}

/** Continues what freezeHost stopped (and anything stopped in the host meanwhile). */
export async function thawHost(lab: Lab, host: HostName): Promise<void> {
  const key = lab.namespace(host);
  const entry = frozen.get(key);
  if (!entry) return;
  frozen.delete(key);
  signalAll([...new Set([...entry.pids, ...(await lab.pids(host).catch(() => []))])], "SIGCONT");
}

/** Continues every frozen host of the given labs (by namespace prefix), or of all labs (cleanup). */
export async function thawAll(prefixes?: ReadonlySet<string>): Promise<void> {
  const entries = [...frozen.values()].filter((entry) => !prefixes || prefixes.has(entry.lab.prefix));
  await Promise.all(entries.map((entry) => thawHost(entry.lab, entry.host)));
}
