// What the exercise checker does to the lab's wire, with the kernel's own packet filter
// (iptables, inside each host's namespace, in a chain of its own that is removed afterwards):
//   - counts, on the receiving host, the packets that carry each of the partner's lines, so
//     the report can say which lines really crossed the LAN;
//   - optionally loses datagrams for real: the FIRST datagram carrying a chosen line is dropped
//     on arrival (string match + statistic nth), later copies pass, so a solution that sends
//     again recovers and one that does not loses the line.
import type { HostName } from "@sockets-typescript/topology";
import { run } from "../common/commands";
import { CommandError, LabError } from "../common/errors";
import type { Lab } from "../lab/lab";
import { linesOf, partnerOf, type DialogueLine } from "@sockets-typescript/dialogue";

export const CHAIN = "SOCKETS-CHECK";

export interface LineArrival {
  line: DialogueLine;
  /** The host the line was sent to. */
  receiver: HostName;
  /** Packets carrying the line that the receiving host accepted. */
  packets: number;
  /** Packets carrying the line that were dropped on purpose. */
  dropped: number;
}

/** Lines whose first datagram is lost: one in each direction. */
export const defaultLosses = (): DialogueLine[] => [linesOf("romeo")[3], linesOf("juliet")[1]];

export class WireWatch {
  private installed: HostName[] = [];

  private constructor(private readonly lab: Lab, readonly losses: readonly DialogueLine[]) {}

  private async iptables(host: HostName, args: string[]): Promise<string> {
    try {
      return await run(["ip", "netns", "exec", this.lab.namespace(host), "iptables", "-w", ...args]);
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      if (err.code === "ERR_COMMAND_NOT_FOUND") throw new LabError("ERR_LAB_TOOL_MISSING", "ip (iproute2) is not installed: run scripts/install-system-packages.sh");
      if (/iptables.*(not found|No such file)/.test(err.stderr)) throw new LabError("ERR_LAB_TOOL_MISSING", "iptables is not installed: run scripts/install-system-packages.sh");
      throw new LabError("ERR_LAB_FIREWALL", `iptables ${args.join(" ")} on ${host}: ${err.stderr.trim() || `exit ${err.exitCode}`}`);
    }
  }

  /** Installs the counting (and dropping) rules on both hosts. `protocol` limits the rules to UDP or TCP. */
  static async install(lab: Lab, protocol: "udp" | "tcp", losses: readonly DialogueLine[] = []): Promise<WireWatch> {
    const watch = new WireWatch(lab, losses);
    try {
      for (const receiver of ["juliet", "romeo"] as HostName[]) {
        await watch.uninstallOn(receiver); // a chain left over by an interrupted check
        await watch.iptables(receiver, ["-N", CHAIN]);
        watch.installed.push(receiver);
        await watch.iptables(receiver, ["-I", "INPUT", "1", "-j", CHAIN]);
        const partnerLines = linesOf(partnerOf(receiver));
        // Drop rules first: a dropped packet leaves the chain and is not counted as arrived.
        for (const line of losses.filter((l) => partnerLines.includes(l))) {
          await watch.iptables(receiver, [...match(protocol, line, "drop"), "-m", "statistic", "--mode", "nth", "--every", "1000000000", "--packet", "0", "-j", "DROP"]);
        }
        for (const line of partnerLines) await watch.iptables(receiver, match(protocol, line, "arrived"));
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
      const listing = await this.iptables(receiver, ["-L", CHAIN, "-v", "-n", "-x"]);
      const count = (what: string, seq: number) => {
        const row = listing.split("\n").find((text) => text.includes(`/* ${what} line ${seq} */`));
        return row ? Number(row.trim().split(/\s+/)[0]) : 0;
      };
      for (const line of linesOf(partnerOf(receiver))) {
        result.push({ line, receiver, packets: count("arrived", line.seq), dropped: count("drop", line.seq) });
      }
    }
    return result.sort((a, b) => a.line.seq - b.line.seq);
  }

  async uninstall(): Promise<void> {
    for (const host of this.installed.splice(0)) await this.uninstallOn(host);
  }

  private async uninstallOn(host: HostName): Promise<void> {
    // Every jump to the chain (an interrupted check may have left one), then the chain.
    for (let i = 0; i < 10; i++) if ((await this.iptables(host, ["-D", "INPUT", "-j", CHAIN]).then(() => true, () => false)) === false) break;
    await this.iptables(host, ["-F", CHAIN]).catch(() => undefined);
    await this.iptables(host, ["-X", CHAIN]).catch(() => undefined);
  }
}

/** The iptables match for packets of `protocol` carrying the line's text, labelled for the counters. */
function match(protocol: "udp" | "tcp", line: DialogueLine, what: "drop" | "arrived"): string[] {
  return ["-A", CHAIN, "-p", protocol, "-m", "string", "--algo", "bm", "--string", line.text, "-m", "comment", "--comment", `${what} line ${line.seq}`];
}
