// Every submission's kernels in a sandbox (see src/host/sandbox.ts for what host-kernel does with
// it). Per submission: a copy of its files (stage), read-only to its kernels; per host kernel: a
// uid of its own that owns nothing on the machine, a cgroup with its limits, and the spec handed
// to host-kernel through the kernel's environment. After each run everything of those uids and
// cgroups is killed; at the end the cgroups and the copy are removed.
//
// What a submission can then reach: its own copy of its notebooks and helper files (read-only),
// the project's build and node_modules (read-only; public code, no checker state), its private
// /tmp, its host's network namespace. Not: the checker's rules (no capability), its partner's
// or the checker's processes, environment or command lines (own PID namespace, a cleared
// environment), other submissions, the grades, /etc/shadow (not mounted).
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { randomInt } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { hostNames, type HostName } from "@sockets-typescript/topology";
import { projectRoot } from "../common/paths";
import { SocketsError } from "../common/errors";
import type { SandboxLimits, SandboxSpec } from "../host/sandbox";
import { SANDBOX_ENV } from "../host/sandbox";
import { Cgroup, cgroupVersion, type CgroupUsage, type CgroupVersion } from "./cgroups";

/** The sandbox cannot be made on this machine (and the grader was not told to go without). */
export class SandboxError extends SocketsError<"ERR_SANDBOX_UNAVAILABLE" | "ERR_SANDBOX_SETUP"> {}

export interface Limits extends SandboxLimits {
  /** Memory of one host's kernel with everything it started (cgroup). */
  memoryBytes: number;
  /** CPUs' worth of time one host's kernel may use at once (cgroup). */
  cpus: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_LIMITS: Limits = {
  memoryBytes: 1024 * MiB,
  processes: 256,
  cpus: 1,
  cpuSeconds: 300,
  fileBytes: 64 * MiB,
  openFiles: 1024,
  tmpBytes: 64 * MiB,
  heapMiB: 512,
};

/** A check of one host's usage in one run: a limit it hit, in a sentence for the verdict. */
export function limitFindings(host: HostName, before: CgroupUsage, after: CgroupUsage, limits: Limits, wallMs: number): string[] {
  const found: string[] = [];
  if (after.oomKills > before.oomKills) found.push(`sandbox: ${host}'s kernel used all its memory (${Math.round(limits.memoryBytes / MiB)} MiB) and was killed (${after.oomKills - before.oomKills} process${after.oomKills - before.oomKills === 1 ? "" : "es"} killed for memory)`);
  else if (after.memoryLimitHits > before.memoryLimitHits) found.push(`sandbox: ${host}'s kernel reached its memory limit (${Math.round(limits.memoryBytes / MiB)} MiB): it was held there, short of memory, until the run ended`);
  if (after.processLimitHits > before.processLimitHits) found.push(`sandbox: ${host}'s code reached the limit of ${limits.processes} processes (a fork bomb?): ${after.processLimitHits - before.processLimitHits} process creations refused`);
  const cpu = after.cpuSeconds - before.cpuSeconds;
  if (cpu > 15 && cpu > (wallMs / 1000) * 0.5) found.push(`sandbox: ${host}'s kernel kept a CPU busy for ${cpu.toFixed(1)} s of the run's ${(wallMs / 1000).toFixed(1)} s (a loop that never waits?)`);
  return found;
}

/** What contains each kernel, in one line (the uids if known). */
export function describeSandbox(l: Limits, cgroups: CgroupVersion | null, uids?: number[]): string {
  return `sandbox: each kernel as its own uid${uids ? ` (${uids.join(", ")})` : ""}, no capabilities, own mount and PID namespaces (bubblewrap); ` +
    (cgroups ? `memory ${Math.round(l.memoryBytes / MiB)} MiB, ${l.processes} processes, ${l.cpus} CPU per kernel (cgroup v${cgroups})` : `no cgroup can be made here: ${l.processes} processes per uid and a ${l.heapMiB} MiB heap`) +
    `, ${l.cpuSeconds} s of CPU per process`;
}

let probed: { ok: true; cgroups: CgroupVersion | null } | { ok: false; reason: string } | undefined;

/** Whether the sandbox can be made here: root, bwrap, setpriv and prlimit, and bwrap really runs. */
export function probeSandbox(): { ok: true; cgroups: CgroupVersion | null } | { ok: false; reason: string } {
  if (probed) return probed;
  if (process.getuid?.() !== 0) return (probed = { ok: false, reason: "the sandbox needs root (to give each kernel a uid of its own)" });
  for (const tool of ["/usr/bin/bwrap", "/usr/bin/setpriv", "/usr/bin/prlimit"]) {
    if (!existsSync(tool)) return (probed = { ok: false, reason: `${tool} is missing (Debian/Ubuntu packages bubblewrap and util-linux)` });
  }
  try {
    execFileSync("/usr/bin/bwrap", ["--die-with-parent", "--unshare-pid", "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--proc", "/proc", "--dev", "/dev", "--", "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs", "--", "/usr/bin/true"], { stdio: "pipe", timeout: 10_000 });
  } catch (err) {
    const text = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim().split("\n")[0];
    return (probed = { ok: false, reason: `bwrap cannot make a sandbox here: ${text}` });
  }
  return (probed = { ok: true, cgroups: cgroupVersion() });
}

const usedUids = new Set<number>();

/** A uid no account and no process has (and none of this process's other sandboxes). */
function freeUid(): number {
  const accounts = new Set(readFileSync("/etc/passwd", "utf8").split("\n").map((line) => Number(line.split(":")[2])));
  for (;;) {
    const uid = randomInt(1_500_000_000, 1_900_000_000);
    if (accounts.has(uid) || usedUids.has(uid) || processesOf(uid).length > 0) continue;
    usedUids.add(uid);
    return uid;
  }
}

/** The pids whose real, effective or saved uid is `uid`. */
export function processesOf(uid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const line = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"));
      if (line && [line[1], line[2], line[3]].map(Number).includes(uid)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The files of a submission worth copying: its folder's, without node_modules, dot-folders, or more than 50 MB. */
function copyFolder(from: string, to: string): void {
  let bytes = 0;
  cpSync(from, to, {
    recursive: true,
    dereference: false,
    filter: (source) => {
      const name = basename(source);
      if (source !== from && (name.startsWith(".") || name === "node_modules")) return false;
      const stat = statSync(source, { throwIfNoEntry: false });
      if (!stat || (!stat.isFile() && !stat.isDirectory())) return false;
      bytes += stat.isFile() ? stat.size : 0;
      return bytes <= 50 * MiB;
    },
  });
}

/** Makes `dir` and all below it readable (not writable) by everyone: the kernels' uids read the copy. */
function readableByAll(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) readableByAll(path);
    else if (entry.isFile()) chmodSync(path, 0o644);
  }
}

export class SubmissionSandbox {
  private readonly groups = new Map<HostName, Cgroup>();
  private readonly uids: Record<HostName, number>;

  private constructor(
    /** The copy's folder (under the project: tslab compiles only below the server's root). */
    readonly stage: string,
    /** The submission's notebooks, as copied into the stage (in the order given). */
    readonly notebooks: string[],
    readonly limits: Limits,
    readonly cgroups: CgroupVersion | null,
  ) {
    this.uids = { juliet: freeUid(), romeo: freeUid() };
  }

  /** Copies the notebooks' folders into a stage and makes a cgroup per host. */
  static create(notebooks: readonly string[], root: string = projectRoot, limits: Limits = DEFAULT_LIMITS): SubmissionSandbox {
    const probe = probeSandbox();
    if (!probe.ok) throw new SandboxError("ERR_SANDBOX_UNAVAILABLE", `${probe.reason}; to grade without a sandbox (student code then runs as root) give --no-sandbox`);
    const stage = mkdtempSync(join(root, ".grading-sandbox-"));
    try {
      const folders = [...new Set(notebooks.map((nb) => dirname(nb)))];
      const copies = notebooks.map((nb) => join(stage, String(folders.indexOf(dirname(nb))), basename(nb)));
      folders.forEach((folder, i) => copyFolder(folder, join(stage, String(i))));
      readableByAll(stage);
      const sandbox = new SubmissionSandbox(stage, copies, limits, probe.cgroups);
      if (probe.cgroups) {
        for (const host of hostNames) {
          sandbox.groups.set(host, Cgroup.create(probe.cgroups, `${basename(stage)}-${host}`, { memoryBytes: limits.memoryBytes, processes: limits.processes, cpus: limits.cpus }));
        }
      }
      return sandbox;
    } catch (err) {
      rmSync(stage, { recursive: true, force: true });
      throw err instanceof SandboxError ? err : new SandboxError("ERR_SANDBOX_SETUP", `could not set up the sandbox: ${(err as Error).message}`);
    }
  }

  /** What host-kernel needs to start this host's tslab in the sandbox (an environment entry). */
  envFor(host: HostName): Record<string, string> {
    const spec: SandboxSpec = {
      uid: this.uids[host],
      gid: this.uids[host],
      readOnly: [join(projectRoot, "node_modules"), join(projectRoot, "packages"), join(projectRoot, "dist", "src", "host"), join(projectRoot, "package.json")].filter((p) => existsSync(p)),
      cgroupProcs: this.groups.get(host)?.procsFiles ?? [],
      limits: this.limits,
    };
    return { [SANDBOX_ENV]: JSON.stringify(spec) };
  }

  uid(host: HostName): number {
    return this.uids[host];
  }

  usage(host: HostName): CgroupUsage {
    return this.groups.get(host)?.usage() ?? { memoryPeakBytes: 0, oomKills: 0, memoryLimitHits: 0, processLimitHits: 0, cpuSeconds: 0 };
  }

  /** One line on what contains the kernels here (printed before the runs). */
  describe(): string {
    return describeSandbox(this.limits, this.cgroups, [this.uids.juliet, this.uids.romeo]);
  }

  /** Ends every process of the submission (its cgroups' and its uids'), and says which would not end. */
  async endAll(): Promise<number[]> {
    // SIGTERM first, for up to 2 s: a launcher or host-kernel still stopping (they are in the
    // cgroup too) removes its relay folder in /tmp before it exits; SIGKILL would leave it.
    const members = () => [...this.groups.values()].flatMap((group) => group.pids());
    const deadline = Date.now() + 2000;
    for (const pid of members()) {
      try {
        process.kill(pid, "SIGTERM");
        process.kill(pid, "SIGCONT");
      } catch {
        // gone
      }
    }
    while (members().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const left: number[] = [];
    for (const group of this.groups.values()) left.push(...(await group.killAll()));
    // Without a cgroup (or for a process that changed it, which needs root), by uid.
    for (let attempt = 0; attempt < 50; attempt++) {
      const pids = hostNames.flatMap((host) => processesOf(this.uids[host]));
      if (pids.length === 0) return left;
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return [...left, ...hostNames.flatMap((host) => processesOf(this.uids[host]))];
  }

  async close(): Promise<void> {
    try {
      await this.endAll();
      for (const group of this.groups.values()) await group.remove();
    } finally {
      rmSync(this.stage, { recursive: true, force: true });
      for (const host of hostNames) usedUids.delete(this.uids[host]);
    }
  }
}
