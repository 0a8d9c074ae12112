// A control group per sandboxed kernel: its memory, process count and CPU share are limited, what
// it used is read back (the verdict says which limit a submission hit), and at the end every
// process in it is killed, however it was started (double fork, setsid, a namespace of its own:
// none leaves its cgroup without root). cgroup v2 (Ubuntu 22.04+, GitHub's runners) or v1 (this
// Debian machine, older Docker hosts); where neither can be written (a container without its
// cgroup delegated), there is none, and the sandbox says so (its rlimits and uid still hold).
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = "/sys/fs/cgroup";
const GROUP = "sockets-grader";
const V1_CONTROLLERS = ["memory", "pids", "cpu", "cpuacct", "freezer"] as const;

export interface CgroupLimits {
  memoryBytes: number;
  processes: number;
  /** CPUs' worth of time per period (1: one core at most). */
  cpus: number;
}

export interface CgroupUsage {
  /** Highest memory use seen, bytes (0 if unknown). */
  memoryPeakBytes: number;
  /** Times the kernel killed a process of the group for memory. */
  oomKills: number;
  /** Times the group's memory reached its limit (reclaimed or stalled; maybe no kill yet). */
  memoryLimitHits: number;
  /** Times a fork or clone failed at the process limit. */
  processLimitHits: number;
  cpuSeconds: number;
}

const read = (file: string): string => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};
const field = (text: string, name: string): number => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type CgroupVersion = 1 | 2;

/** Makes the parent group (v2: with the controllers its children need); throws where it cannot. */
function ensureParent(version: CgroupVersion): void {
  if (version === 2) {
    const parent = join(ROOT, GROUP);
    mkdirSync(parent, { recursive: true });
    const wanted = ["memory", "pids", "cpu"];
    const rootControllers = read(join(ROOT, "cgroup.subtree_control")).split(/\s+/);
    for (const c of wanted) if (!rootControllers.includes(c)) writeFileSync(join(ROOT, "cgroup.subtree_control"), `+${c}`);
    writeFileSync(join(parent, "cgroup.subtree_control"), wanted.map((c) => `+${c}`).join(" "));
    return;
  }
  for (const c of ["memory", "pids", "cpu"]) mkdirSync(join(ROOT, c, GROUP), { recursive: true });
}

/** Removes the parent groups if no other grader uses them (a busy one stays). */
function removeParents(version: CgroupVersion): void {
  const parents = version === 2 ? [join(ROOT, GROUP)] : V1_CONTROLLERS.map((c) => join(ROOT, c, GROUP));
  for (const parent of parents) {
    try {
      rmdirSync(parent);
    } catch {
      // another grader's group is in it, or it was never made
    }
  }
}

let version: CgroupVersion | null | undefined;

/** Which hierarchy this machine lets us use (probed once by making the parent group, removed again). */
export function cgroupVersion(): CgroupVersion | null {
  if (version !== undefined) return version;
  const v: CgroupVersion = existsSync(join(ROOT, "cgroup.controllers")) ? 2 : 1;
  try {
    ensureParent(v);
    version = v;
  } catch {
    version = null;
  }
  removeParents(v);
  return version;
}

export class Cgroup {
  private constructor(readonly version: CgroupVersion, readonly name: string, private readonly dirs: string[]) {}

  /** Makes the group with its limits. */
  static create(version: CgroupVersion, name: string, limits: CgroupLimits): Cgroup {
    const period = 100_000;
    if (version === 2) {
      const dir = join(ROOT, GROUP, name);
      // Another grader may remove the parent between our two steps (removeParents): once more then.
      for (let attempt = 1; ; attempt++) {
        ensureParent(version);
        try {
          mkdirSync(dir);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOENT" || attempt === 3) throw err;
        }
      }
      const group = new Cgroup(2, name, [dir]);
      writeFileSync(join(dir, "memory.max"), String(limits.memoryBytes));
      if (existsSync(join(dir, "memory.swap.max"))) writeFileSync(join(dir, "memory.swap.max"), "0");
      writeFileSync(join(dir, "pids.max"), String(limits.processes));
      writeFileSync(join(dir, "cpu.max"), `${Math.round(limits.cpus * period)} ${period}`);
      return group;
    }
    const dirs = V1_CONTROLLERS.filter((c) => existsSync(join(ROOT, c))).map((c) => join(ROOT, c, GROUP, name));
    for (const dir of dirs) mkdirSync(dir, { recursive: true });
    const group = new Cgroup(1, name, dirs);
    const dirOf = (controller: string) => dirs.find((d) => d.startsWith(join(ROOT, controller) + "/"));
    const memory = dirOf("memory");
    if (memory) {
      writeFileSync(join(memory, "memory.limit_in_bytes"), String(limits.memoryBytes));
      // No swap either (where swap accounting exists): a hog is stopped at the limit, not paged out.
      if (existsSync(join(memory, "memory.memsw.limit_in_bytes"))) writeFileSync(join(memory, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes));
    }
    const pids = dirOf("pids");
    if (pids) writeFileSync(join(pids, "pids.max"), String(limits.processes));
    const cpu = dirOf("cpu");
    if (cpu) {
      writeFileSync(join(cpu, "cpu.cfs_period_us"), String(period));
      writeFileSync(join(cpu, "cpu.cfs_quota_us"), String(Math.round(limits.cpus * period)));
    }
    return group;
  }

  /** The files a process writes its pid into to join (one per controller in v1). */
  get procsFiles(): string[] {
    return this.dirs.map((dir) => join(dir, "cgroup.procs"));
  }

  private dir(controller: string): string | undefined {
    return this.version === 2 ? this.dirs[0] : this.dirs.find((d) => d.startsWith(join(ROOT, controller) + "/"));
  }

  pids(): number[] {
    const dir = this.dir("pids") ?? this.dirs[0];
    return read(join(dir, "cgroup.procs")).split("\n").filter(Boolean).map(Number);
  }

  usage(): CgroupUsage {
    if (this.version === 2) {
      const dir = this.dirs[0];
      return {
        memoryPeakBytes: Number(read(join(dir, "memory.peak")).trim() || 0),
        oomKills: field(read(join(dir, "memory.events")), "oom_kill"),
        memoryLimitHits: field(read(join(dir, "memory.events")), "max"),
        processLimitHits: field(read(join(dir, "pids.events")), "max"),
        cpuSeconds: field(read(join(dir, "cpu.stat")), "usage_usec") / 1e6,
      };
    }
    const memory = this.dir("memory");
    const pids = this.dir("pids");
    const cpuacct = this.dir("cpuacct");
    return {
      memoryPeakBytes: memory ? Number(read(join(memory, "memory.max_usage_in_bytes")).trim() || 0) : 0,
      oomKills: memory ? field(read(join(memory, "memory.oom_control")), "oom_kill") : 0,
      memoryLimitHits: memory ? Number(read(join(memory, "memory.failcnt")).trim() || 0) : 0,
      processLimitHits: pids ? field(read(join(pids, "pids.events")), "max") : 0,
      cpuSeconds: cpuacct ? Number(read(join(cpuacct, "cpuacct.usage")).trim() || 0) / 1e9 : 0,
    };
  }

  /**
   * Kills every process in the group and waits (at most `ms`) until none is left. v2: cgroup.kill;
   * v1: the group is frozen first (a fork bomb cannot outrun the kill), killed, thawed.
   */
  async killAll(ms = 5000): Promise<number[]> {
    const deadline = Date.now() + ms;
    const freezer = this.dir("freezer");
    for (;;) {
      const left = this.pids();
      if (left.length === 0) return [];
      if (Date.now() > deadline) return left;
      if (this.version === 2 && existsSync(join(this.dirs[0], "cgroup.kill"))) writeFileSync(join(this.dirs[0], "cgroup.kill"), "1");
      else {
        if (freezer) writeFileSync(join(freezer, "freezer.state"), "FROZEN");
        for (const pid of left) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // gone
          }
        }
        if (freezer) writeFileSync(join(freezer, "freezer.state"), "THAWED");
      }
      await sleep(20);
    }
  }

  /** Kills what is left and removes the group (a group with a process in it cannot be removed). */
  async remove(): Promise<void> {
    const left = await this.killAll();
    for (const dir of this.dirs) {
      try {
        rmdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`cannot remove the cgroup ${dir}${left.length ? ` (processes ${left.join(", ")} would not end)` : ""}: ${(err as Error).message}`);
      }
    }
    removeParents(this.version);
  }
}
