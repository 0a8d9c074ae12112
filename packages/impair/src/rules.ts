// The iptables rules that send a host's packets through the userspace stage. They live in the
// mangle table (POSTROUTING for packets leaving on the interface, PREROUTING for packets
// arriving), so filter-table rules such as the exercise checker's counters see the traffic as
// the host sent it and as the host received it, and carry one comment so that clear finds
// every one of them, also after a stage was killed.

/** Packets the stage sends itself (duplicates) carry this mark and are not queued again. */
export const STAGE_MARK = 0x5ee0d0;
export const RULE_COMMENT = "sockets-typescript impair";

/** The queue number for an interface: one stage per interface and network namespace. */
export function queueNumber(ifindex: number): number {
  return 30000 + (ifindex % 30000);
}

export type Hook = "egress" | "ingress";

/** iptables arguments (after `iptables -w`) that add (-A) or delete (-D) the rule for one hook. */
export function ruleArgs(action: "-A" | "-D", hook: Hook, iface: string, queue: number): string[] {
  const [chain, dirFlag] = hook === "egress" ? ["POSTROUTING", "-o"] : ["PREROUTING", "-i"];
  return [
    "-t", "mangle", action, chain, dirFlag, iface,
    "-m", "mark", "!", "--mark", `0x${STAGE_MARK.toString(16)}`,
    "-m", "comment", "--comment", `${RULE_COMMENT} ${iface}`,
    "-j", "NFQUEUE", "--queue-num", String(queue), "--queue-bypass",
  ];
}

/**
 * From `iptables -t mangle -S` output: the delete commands for every rule of ours on `iface`
 * (or on any interface when iface is undefined).
 */
export function deletionsFrom(listing: string, iface?: string): string[][] {
  const out: string[][] = [];
  for (const line of listing.split("\n")) {
    if (!line.startsWith("-A ") || !line.includes(RULE_COMMENT)) continue;
    const m = /--comment "?sockets-typescript impair ([^" ]+)"?/.exec(line);
    if (iface !== undefined && m?.[1] !== iface) continue;
    out.push(["-t", "mangle", ...splitRule(line.replace(/^-A /, "-D "))]);
  }
  return out;
}

/** Splits an iptables -S line into arguments (double-quoted words stay one argument). */
function splitRule(line: string): string[] {
  const args: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) args.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]);
  return args;
}

/** Marks the stage's command line, so clear and status find it without any pid file. */
export const STAGE_MARKER = "--sockets-impair-stage";
