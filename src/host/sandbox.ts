// The grader's sandbox, as host-kernel applies it to tslab (the process that runs the student's
// cells). The grader (src/grader/sandbox.ts) decides the spec and hands it over in the kernel's
// environment (SOCKETS_SANDBOX, JSON); host-kernel stays outside, as root, and starts tslab as:
//
//   bwrap (own mount, PID and IPC namespaces: a fresh root with
//   /usr, the project's build and node_modules and the submission read-only, a private /tmp, its
//   own /proc, no /etc but the few files a program reads)  setpriv (an unprivileged uid of its
//   own, no supplementary groups, no capabilities in any set, no_new_privs)  prlimit (processes
//   per uid, CPU seconds, file size, open files)  node --max-old-space-size tslab
//
// Why these: bubblewrap is Debian's and Ubuntu's maintained unprivileged-container tool (Flatpak's),
// one binary with no daemon, and run as root it needs no user namespace (which Ubuntu 24.04's
// AppArmor restricts); setpriv and prlimit are util-linux. The network stays the host's: bwrap
// shares the namespace it was started in (the lab host's), so the cells' sockets are juliet's or
// romeo's and nothing else.
import { chownSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export const SANDBOX_ENV = "SOCKETS_SANDBOX";

export interface SandboxLimits {
  /** Processes (and threads) of the kernel's uid: RLIMIT_NPROC. */
  processes: number;
  /** CPU seconds of each process: RLIMIT_CPU (SIGXCPU, then SIGKILL a second later). */
  cpuSeconds: number;
  /** Largest file it may write: RLIMIT_FSIZE. */
  fileBytes: number;
  /** Open files per process: RLIMIT_NOFILE. */
  openFiles: number;
  /** Its private /tmp (a tmpfs; what it holds counts against the memory limit too). */
  tmpBytes: number;
  /** V8's heap: node's --max-old-space-size, in MiB (the cgroup limits the process as a whole). */
  heapMiB: number;
}

export interface SandboxSpec {
  uid: number;
  gid: number;
  /** Mounted read-only at the same path (the project's build and node_modules, the node binary, the submission's copy). */
  readOnly: string[];
  /**
   * Files whose writing a pid moves it into the kernel's cgroup (v1: one per controller; v2: one).
   * lab-launcher joins them before it starts anything: `ip netns exec` mounts a sysfs of the
   * namespace's own, without /sys/fs/cgroup, so host-kernel could not. The launcher's and
   * host-kernel's memory (~100 MB) then count against the limit too.
   */
  cgroupProcs: string[];
  limits: SandboxLimits;
}

const ALLOWED_ENV = /^(PATH|LANG|LC_[A-Z]+|TZ|TERM|JPY_[A-Z_]+|SOCKETS_(?!SANDBOX)[A-Z_]+)$/;

/** The files of /etc a kernel reads (names, addresses): never shadow, sudoers, keys. */
const ETC_FILES = ["/etc/ssl/openssl.cnf", "/etc/hosts", "/etc/hostname", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/localtime", "/etc/ld.so.cache", "/etc/host.conf", "/etc/resolv.conf"];

export function parseSandboxSpec(text: string): SandboxSpec {
  let spec: SandboxSpec;
  try {
    spec = JSON.parse(text) as SandboxSpec;
  } catch (err) {
    throw new Error(`${SANDBOX_ENV} is not JSON: ${(err as Error).message}`);
  }
  const uidOk = (n: unknown) => Number.isInteger(n) && (n as number) > 0 && (n as number) < 2 ** 32 - 1;
  if (!uidOk(spec.uid) || !uidOk(spec.gid)) throw new Error(`${SANDBOX_ENV}: uid and gid must be positive integers (never 0: the sandbox never runs as root)`);
  if (!Array.isArray(spec.readOnly) || !Array.isArray(spec.cgroupProcs) || typeof spec.limits !== "object") throw new Error(`${SANDBOX_ENV}: readOnly, cgroupProcs and limits are required`);
  return spec;
}

/** The environment the sandboxed process gets: the kernel's own settings, nothing of root's. */
export function sandboxEnv(env: NodeJS.ProcessEnv, extra: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && ALLOWED_ENV.test(name)) kept[name] = value;
  return { ...kept, HOME: "/tmp", TMPDIR: "/tmp", USER: "student", ...extra };
}

/** Moves this process (and so all it starts from now on) into the spec's cgroups. */
export function joinCgroups(spec: SandboxSpec): void {
  for (const file of spec.cgroupProcs) writeFileSync(file, String(process.pid));
}

/**
 * The argv that runs `command` (argv[0] an absolute path) in the sandbox, in the current working
 * folder (bound read-only). `files` are private files of the kernel (its connection file) handed
 * to its uid and bound read-only at the same path.
 */
export function sandboxArgv(spec: SandboxSpec, command: readonly string[], env: Record<string, string>, cwd: string, files: readonly string[] = []): string[] {
  const l = spec.limits;
  const bwrap = [
    "bwrap",
    "--die-with-parent",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-cgroup-try",
    "--ro-bind", "/usr", "/usr",
    "--symlink", "usr/bin", "/bin",
    "--symlink", "usr/sbin", "/sbin",
    "--symlink", "usr/lib", "/lib",
    "--symlink", "usr/lib64", "/lib64",
    "--proc", "/proc",
    "--dev", "/dev",
    "--perms", "1777", "--size", String(l.tmpBytes), "--tmpfs", "/tmp",
  ];
  const binds = [dirname(command[0]), ...spec.readOnly, cwd, ...files].filter((path) => path !== "/usr" && !path.startsWith("/usr/"));
  // The folders above each mount, made by us: bwrap makes missing ones 0700 (root's), which the
  // kernel's uid could not enter.
  const parents = new Set<string>(["/etc"]);
  for (const path of [...binds, ...ETC_FILES]) for (let dir = dirname(path); dir !== "/" && dir !== "/tmp"; dir = dirname(dir)) parents.add(dir);
  const depth = (path: string) => path.split("/").length;
  for (const dir of [...parents].sort((a, b) => depth(a) - depth(b))) bwrap.push("--perms", "0755", "--dir", dir);
  for (const file of ETC_FILES) bwrap.push("--ro-bind-try", file, file);
  const seen = new Set<string>();
  // Parents before what lies inside them: a later mount would hide an earlier one below it.
  for (const path of binds.sort((a, b) => depth(a) - depth(b))) {
    if (seen.has(path)) continue;
    seen.add(path);
    bwrap.push("--ro-bind", path, path);
  }
  bwrap.push("--chdir", cwd, "--clearenv");
  for (const [name, value] of Object.entries(env)) bwrap.push("--setenv", name, value);
  const setpriv = ["/usr/bin/setpriv", `--reuid=${spec.uid}`, `--regid=${spec.gid}`, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"];
  const prlimit = ["/usr/bin/prlimit", `--nproc=${l.processes}`, `--cpu=${l.cpuSeconds}:${l.cpuSeconds + 1}`, `--fsize=${l.fileBytes}`, `--nofile=${l.openFiles}`, `--core=0`];
  for (const file of files) chownSync(file, spec.uid, spec.gid);
  return ["/usr/bin/bwrap", ...bwrap.slice(1), "--", ...setpriv, "--", ...prlimit, "--", ...command];
}

/** The V8 heap limit's node option. */
export const heapOption = (spec: SandboxSpec) => `--max-old-space-size=${spec.limits.heapMiB}`;

/**
 * The pids under `root` (its children, theirs, ...) whose command line contains `marker`: bwrap
 * forwards no signal, so the stop button's SIGINT goes to tslab itself.
 */
export function descendantsNaming(root: number, marker: string): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses; ppid follows the last ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const pid = queue.shift()!;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)) found.push(pid);
    } catch {
      // gone
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}
