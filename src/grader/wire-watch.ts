// What the exercise checker does to the lab's wire, with the kernel's own packet filter
// (iptables, inside each host's namespace, in a chain of its own that is removed afterwards):
//   - counts, on the receiving host, the packets that carry each of the partner's lines (this
//     run's text, with its words), so the report can say which lines really crossed the LAN;
//   - optionally loses datagrams for real: the first LOSS_COPIES datagrams carrying a chosen line
//     are dropped on arrival (string match + statistic nth, one rule per copy), later copies
//     pass, so a solution that sends again until acknowledged recovers, and one that does not
//     (or blindly sends every line twice) loses the line.
// Only the chain SOCKETS-CHECK and the one jump to it are added; nothing else in a student's lab
// is touched, and uninstall() (also on Ctrl-C: see check-guard.ts) removes exactly those.
import type { HostName } from "@sockets-typescript/topology";
import { run } from "../common/commands";
import { CommandError, LabError } from "../common/errors";
import type { Lab } from "../lab/lab";
import { partnerOf, type DialogueLine } from "@sockets-typescript/dialogue";
import type { LineArrival, RunLines } from "./lines";

export const CHAIN = "SOCKETS-CHECK";

/** Lines (by seq) whose first datagrams are lost: line 4 to juliet, line 10 to romeo. */
export const DEFAULT_LOSSES = [4, 10];
/** How many of the first datagrams carrying each of those lines are lost. */
export const LOSS_COPIES = 3;

/** iptables inside a host; clear errors when the tools are missing. */
export async function hostIptables(lab: Lab, host: HostName, args: string[]): Promise<string> {
  try {
    return await run(["ip", "netns", "exec", lab.namespace(host), "iptables", "-w", ...args]);
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    if (err.code === "ERR_COMMAND_NOT_FOUND") throw new LabError("ERR_LAB_TOOL_MISSING", "ip (iproute2) is not installed: run scripts/install-system-packages.sh");
    if (/iptables.*(not found|No such file)/.test(err.stderr)) throw new LabError("ERR_LAB_TOOL_MISSING", "iptables is not installed: run scripts/install-system-packages.sh");
    throw new LabError("ERR_LAB_FIREWALL", `iptables ${args.join(" ")} on ${host}: ${err.stderr.trim() || `exit ${err.exitCode}`}`);
  }
}

/** Removes the checker's chain from a host (every jump to it, then the chain); quiet when absent. */
export async function removeChain(lab: Lab, host: HostName): Promise<void> {
  for (let i = 0; i < 10; i++) if ((await hostIptables(lab, host, ["-D", "INPUT", "-j", CHAIN]).then(() => true, () => false)) === false) break;
  await hostIptables(lab, host, ["-F", CHAIN]).catch(() => undefined);
  await hostIptables(lab, host, ["-X", CHAIN]).catch(() => undefined);
}

export class WireWatch {
  private installed: HostName[] = [];

  private constructor(private readonly lab: Lab, private readonly lines: RunLines, readonly losses: readonly number[]) {}

  /** Installs the counting (and dropping) rules on both hosts. `protocol` limits the rules to UDP or TCP. */
  static async install(lab: Lab, protocol: "udp" | "tcp", lines: RunLines, losses: readonly number[] = []): Promise<WireWatch> {
    const watch = new WireWatch(lab, lines, losses);
    try {
      for (const receiver of ["juliet", "romeo"] as HostName[]) {
        await removeChain(lab, receiver); // a chain left over by a check that was killed
        await hostIptables(lab, receiver, ["-N", CHAIN]);
        watch.installed.push(receiver);
        await hostIptables(lab, receiver, ["-I", "INPUT", "1", "-j", CHAIN]);
        const partnerLines = lines[partnerOf(receiver)];
        // Drop rules first: a dropped packet leaves the chain and is not counted as arrived.
        for (const line of partnerLines.filter((l) => losses.includes(l.seq))) {
          // Each rule drops the first packet it sees; a packet dropped by one never reaches the next.
          for (let copy = 0; copy < LOSS_COPIES; copy++) {
            await hostIptables(lab, receiver, [...match(protocol, line, "drop"), "-m", "statistic", "--mode", "nth", "--every", "1000000000", "--packet", "0", "-j", "DROP"]);
          }
        }
        for (const line of partnerLines) await hostIptables(lab, receiver, match(protocol, line, "arrived"));
      }
    } catch (err) {
      await watch.uninstall();
      throw err;
    }
    return watch;
  }

  /** The per-line counters so far. */
  async arrivals(): Promise<LineArrival[]> {
    const result: LineArrival[] = [];
    for (const receiver of this.installed) {
      const listing = await hostIptables(this.lab, receiver, ["-L", CHAIN, "-v", "-n", "-x"]);
      const count = (what: string, seq: number) => {
        const rows = listing.split("\n").filter((text) => text.includes(`/* ${what} line ${seq} */`));
        return rows.reduce((sum, row) => sum + Number(row.trim().split(/\s+/)[0]), 0);
      };
      for (const line of this.lines[partnerOf(receiver)]) {
        result.push({ line, receiver, packets: count("arrived", line.seq), dropped: count("drop", line.seq) });
      }
    }
    return result.sort((a, b) => a.line.seq - b.line.seq);
  }

  async uninstall(): Promise<void> {
    for (const host of this.installed.splice(0)) await removeChain(this.lab, host);
  }
}

/** The iptables match for packets of `protocol` carrying the line's text, labelled for the counters. */
function match(protocol: "udp" | "tcp", line: DialogueLine, what: "drop" | "arrived"): string[] {
  return ["-A", CHAIN, "-p", protocol, "-m", "string", "--algo", "bm", "--string", line.text, "-m", "comment", "--comment", `${what} line ${line.seq}`];
}
