// Can this machine (a Gradescope container, a CI runner, an instructor's laptop) make the lab?
// The check needs network namespaces, a veth pair and iptables inside them: root with
// CAP_SYS_ADMIN and CAP_NET_ADMIN. A container may give root without them (Docker's default
// drops both), or no root at all. Asked by doing it once, in a namespace of the probe's own
// (removed again whatever happens), not by reading capability bits: a seccomp filter or a
// read-only /run refuses what the bits allow.
import { randomBytes } from "node:crypto";
import { run, tryRun } from "../common/commands";

export interface Privilege {
  /** The lab can be made here: every requirement is checked as on the instructor's machine. */
  namespaces: boolean;
  /** Why not (the refusal, in the tool's words), or what was found. */
  reason: string;
}

export async function probePrivilege(prefix = "pr-"): Promise<Privilege> {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return { namespaces: false, reason: `the grader runs as uid ${uid}, not root: network namespaces and the lab's packet filter need root with CAP_SYS_ADMIN and CAP_NET_ADMIN` };
  const ns = `${prefix}probe-${randomBytes(3).toString("hex")}`;
  try {
    await run(["ip", "netns", "add", ns]);
    await run(["ip", "-n", ns, "link", "set", "lo", "up"]);
    await run(["ip", "netns", "exec", ns, "iptables", "-w", "-S"]);
    return { namespaces: true, reason: "root, and this machine lets the grader make network namespaces, veth links and packet filter rules" };
  } catch (err) {
    const line = ((err as Error).message.split("\n")[0] ?? "").trim();
    return { namespaces: false, reason: `this machine does not let the grader make the lab's network namespaces (${line})` };
  } finally {
    await tryRun(["ip", "netns", "del", ns]);
  }
}
