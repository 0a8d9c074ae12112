// What a command of the project can leave behind on this machine, as a snapshot to compare
// before and after: network namespaces, /etc/netns folders, processes started from the project
// (the commands run with MARK in their environment, which every descendant inherits: Jupyter, its
// kernels, host-kernel, tslab; and any orphan whose command line or working folder is in the
// project), the project's /tmp folders, and the iptables rules of the root namespace and of every
// namespace present.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readlinkSync, readFileSync } from "node:fs";
import { projectRoot } from "./lab-fixture";

export interface Snapshot {
  namespaces: string[];
  etcNetns: string[];
  processes: string[];
  tmp: string[];
  iptables: string[];
}

/** Put into the environment of the commands under test: their processes carry it. */
export const MARK = "SOCKETS_LEFTOVERS_MARK=1";

/** /tmp folders the project's programs make (host-kernel, lab-launcher, Jupyter data and runner folders). */
const PROJECT_TMP = /^(host-kernel-|lab-kernel-|sockets-)/;

function namespaceList(): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.split(" ")[0])
    .filter(Boolean)
    .sort();
}

/** The test process and its ancestors (the test runner, npm): they are the ones looking. */
function ourselves(): Set<number> {
  const seen = new Set<number>();
  let pid = process.pid;
  while (pid > 1 && !seen.has(pid)) {
    seen.add(pid);
    try {
      pid = Number(/^\d+ \(.*\) \S (\d+)/s.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1] ?? 0);
    } catch {
      break;
    }
  }
  return seen;
}

function projectProcesses(): string[] {
  const skip = ourselves();
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || skip.has(Number(entry))) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
      if (args === "") continue; // kernel thread or already gone
      let cwd = "";
      let marked = false;
      let orphan = false;
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
        marked = readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(MARK);
        orphan = / (\S) 1 /.test(readFileSync(`/proc/${entry}/stat`, "utf8").replace(/^\d+ \(.*\)/s, ""));
      } catch {
        // exited meanwhile
      }
      const inProject = args.includes(projectRoot) || cwd === projectRoot || cwd.startsWith(`${projectRoot}/`);
      if (marked || (orphan && inProject)) found.push(`${entry} ${args.slice(0, 160)}`);
    } catch {
      // exited meanwhile
    }
  }
  return found.sort();
}

/** iptables-save without its comments and packet counters: the rules only. */
function rules(where: string, argv: string[]): string[] {
  const result = spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
  if (result.status !== 0) return [`${where}: iptables-save failed: ${(result.stderr || "").trim()}`];
  return result.stdout
    .split("\n")
    // Rules and user chains only: an empty table (*filter, built-in chains, COMMIT) appears once anything used iptables.
    .filter((line) => line && !line.startsWith("#") && !line.startsWith("*") && line !== "COMMIT" && !/^:(INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) /.test(line))
    .map((line) => `${where}: ${line.replace(/\[\d+:\d+\]/g, "")}`);
}

export function snapshot(): Snapshot {
  const namespaces = namespaceList();
  return {
    namespaces,
    etcNetns: existsSync("/etc/netns") ? readdirSync("/etc/netns").sort() : [],
    processes: projectProcesses(),
    tmp: readdirSync("/tmp").filter((name) => PROJECT_TMP.test(name) && name !== "sockets-lab.lock").sort(),
    iptables: [
      ...rules("root namespace", ["iptables-save"]),
      ...namespaces.flatMap((ns) => rules(`namespace ${ns}`, ["ip", "netns", "exec", ns, "iptables-save"])),
    ],
  };
}

/** One line per thing that is in `after` and not in `before` (left behind) or the other way round (removed). */
export function differences(before: Snapshot, after: Snapshot): string[] {
  const lines: string[] = [];
  for (const key of Object.keys(before) as (keyof Snapshot)[]) {
    const was = new Set(before[key]);
    const is = new Set(after[key]);
    for (const item of after[key]) if (!was.has(item)) lines.push(`left behind (${key}): ${item}`);
    for (const item of before[key]) if (!is.has(item)) lines.push(`removed (${key}): ${item}`);
  }
  return lines;
}

/** Polls until the machine equals `before` again (processes take a moment to exit) or `ms` pass; returns what still differs. */
export async function untilSame(before: Snapshot, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const diff = differences(before, snapshot());
    if (diff.length === 0 || Date.now() > deadline) return diff;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
