// The local lab: romeo and juliet as two Linux network namespaces joined by one veth pair
// (the LAN), with the addresses, names and hostnames of the topology. The veth is created
// directly inside the namespaces, so the default namespace's links, routes and firewall are
// never touched; the only files written are /etc/netns/<namespace>/{hosts,hostname}, which
// `ip netns exec` mounts over /etc inside the host.
import { mkdirSync, rmSync, rmdirSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { hostNames, hosts, network, type HostName } from "@sockets-typescript/topology";
import { run, tryRun } from "../common/commands";
import { LabError } from "../common/errors";

export { LabError };

/** The LAN interface's name inside each host (like a testbed host's experiment interface). */
export const LAN_INTERFACE = "lan0";
/** Where `ip netns exec` finds the files it mounts over /etc inside a namespace. */
export const ETC_NETNS = "/etc/netns";
/** Where `ip netns add` keeps the namespaces (iproute2's NETNS_RUN_DIR). */
const NETNS_RUN_DIR = "/var/run/netns";

export interface LabOptions {
  /** Prefix of the namespace names, so tests can run a lab beside a student's. Default: $SOCKETS_LAB_PREFIX or "". */
  prefix?: string;
}

export interface HostStatus {
  host: HostName;
  namespace: string;
  present: boolean;
  /** Addresses on the LAN interface, e.g. ["10.10.0.100/24"]. */
  addresses: string[];
  linkUp: boolean;
  /** Processes running inside the host (kernels, shells, servers). */
  pids: number[];
}

export type Progress = (line: string) => void;

export class Lab {
  readonly prefix: string;

  constructor(options: LabOptions = {}) {
    this.prefix = options.prefix ?? process.env.SOCKETS_LAB_PREFIX ?? "";
    // Interface names are at most 15 bytes and namespace names become file names: keep them tame.
    if (!/^[a-z0-9-]{0,8}$/.test(this.prefix)) {
      throw new LabError("ERR_LAB_PREFIX", `lab prefix ${JSON.stringify(this.prefix)}: use at most 8 of a-z, 0-9 and "-"`);
    }
  }

  namespace(host: HostName): string {
    return `${this.prefix}${host}`;
  }

  /** The argv that runs `argv` inside `host`: its network namespace, its /etc/hosts, its hostname. */
  hostArgv(host: HostName, argv: readonly string[]): string[] {
    checkHost(host);
    // unshare --uts gives the process (and its children) a hostname of its own without touching the machine's.
    return ["ip", "netns", "exec", this.namespace(host), "unshare", "--uts", "--", "sh", "-c", 'hostname "$0" && exec "$@"', host, ...argv];
  }

  /** A quick look (no process started) whether the host's namespace exists: for launchers on the kernel's start path. */
  hasHost(host: HostName): boolean {
    return existsSync(join(NETNS_RUN_DIR, this.namespace(host)));
  }

  async presentNamespaces(): Promise<string[]> {
    const listing = (await tryRun(["ip", "netns", "list"])) ?? "";
    return listing.split("\n").map((line) => line.split(" ")[0]).filter(Boolean);
  }

  async status(): Promise<HostStatus[]> {
    const present = await this.presentNamespaces();
    const result: HostStatus[] = [];
    // One query at a time: `ip -n X` runs inside X while it works, and would count as a process there.
    for (const host of hostNames) {
      const namespace = this.namespace(host);
      if (!present.includes(namespace)) {
        result.push({ host, namespace, present: false, addresses: [], linkUp: false, pids: [] });
        continue;
      }
      const addrJson = await tryRun(["ip", "-n", namespace, "-j", "addr", "show", "dev", LAN_INTERFACE]);
      const pids = await this.pids(host);
      const links = (addrJson ? JSON.parse(addrJson) : []) as { operstate?: string; addr_info?: { family: string; local: string; prefixlen: number }[] }[];
      const addresses = (links[0]?.addr_info ?? []).filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`);
      result.push({ host, namespace, present: true, addresses, linkUp: links[0]?.operstate === "UP", pids });
    }
    return result;
  }

  /** True when both hosts exist with their LAN address on a link that is up. */
  async isUp(): Promise<boolean> {
    const status = await this.status();
    return status.every((s) => s.present && s.linkUp && s.addresses.includes(`${hosts[s.host].address}/${network.prefix}`));
  }

  async pids(host: HostName): Promise<number[]> {
    const out = (await tryRun(["ip", "netns", "pids", this.namespace(host)])) ?? "";
    return out.split("\n").filter(Boolean).map(Number);
  }

  /**
   * Brings the lab up; what is already there is kept (up twice is fine). If a step fails or
   * `signal` aborts, everything this call created, or began to create, is removed again before it throws.
   * `pauseMs` waits after each step (only so that a test can press Ctrl-C half-way).
   */
  async up(progress: Progress = () => {}, signal?: AbortSignal, pauseMs = 0): Promise<void> {
    checkRoot("bring the lab up");
    const undo: (() => Promise<unknown> | void)[] = [];
    const step = async (what: string, action: () => Promise<unknown> | void, revert?: () => Promise<unknown> | void) => {
      if (signal?.aborted) throw new LabError("ERR_LAB_INTERRUPTED", "interrupted: the lab was not brought up, and what was made is removed again");
      progress(what);
      // The undo is registered before the action: an action that fails or is killed half-way
      // (a Ctrl-C reaches `ip netns add` too: the namespace exists, unusable) may have made its
      // part. Every undo copes with finding nothing.
      if (revert) undo.push(revert);
      await action();
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    };
    try {
      const present = await this.presentNamespaces();
      for (const host of hostNames) {
        const ns = this.namespace(host);
        if (!present.includes(ns)) {
          await step(`creating host ${host} (network namespace ${ns})`, () => run(["ip", "netns", "add", ns]), () => this.removeNamespace(host));
        }
      }
      const [a, b] = hostNames.map((host) => this.namespace(host));
      if ((await tryRun(["ip", "-n", a, "link", "show", LAN_INTERFACE])) === null) {
        // Both ends are born inside the hosts: nothing appears in the default namespace.
        await step(`joining ${hostNames.join(" and ")} by the LAN ${network.subnet}`, () =>
          run(["ip", "link", "add", LAN_INTERFACE, "netns", a, "type", "veth", "peer", "name", LAN_INTERFACE, "netns", b]),
          () => tryRun(["ip", "-n", a, "link", "del", LAN_INTERFACE]),
        );
      }
      for (const host of hostNames) {
        const dir = join(ETC_NETNS, this.namespace(host));
        const existed = existsSync(dir);
        await step(`writing ${host}'s /etc/hosts and /etc/hostname`, () => this.writeEtc(host), existed ? undefined : () => this.removeEtc(host));
      }
      for (const host of hostNames) {
        const ns = this.namespace(host);
        await step(`configuring ${host}: ${hosts[host].address}/${network.prefix} on ${LAN_INTERFACE}`, async () => {
          await run(["ip", "-n", ns, "link", "set", "lo", "up"]);
          await run(["ip", "-n", ns, "addr", "replace", `${hosts[host].address}/${network.prefix}`, "dev", LAN_INTERFACE]);
          await run(["ip", "-n", ns, "link", "set", LAN_INTERFACE, "up"]);
        });
      }
      if (signal?.aborted) throw new LabError("ERR_LAB_INTERRUPTED", "interrupted: the lab was not brought up, and what was made is removed again");
    } catch (err) {
      for (const revert of undo.reverse()) await Promise.resolve(revert()).catch(() => undefined);
      throw err;
    }
  }

  /** Stops every process inside the hosts, removes the namespaces (and so the LAN) and the /etc/netns files. Down twice is fine. */
  async down(progress: Progress = () => {}): Promise<void> {
    checkRoot("take the lab down");
    const present = await this.presentNamespaces();
    for (const host of hostNames) {
      if (present.includes(this.namespace(host))) {
        progress(`removing host ${host} (network namespace ${this.namespace(host)})`);
        await this.removeNamespace(host);
      }
      this.removeEtc(host);
    }
  }

  /** Ends the host's processes (TERM, then KILL after 2 s), then deletes its namespace. */
  private async removeNamespace(host: HostName): Promise<void> {
    const ns = this.namespace(host);
    let pids = await this.pids(host);
    if (pids.length > 0) {
      signalAll(pids, "SIGTERM");
      for (let waited = 0; waited < 2000 && pids.length > 0; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        pids = await this.pids(host);
      }
      signalAll(pids, "SIGKILL");
    }
    await tryRun(["ip", "netns", "del", ns]);
  }

  private writeEtc(host: HostName): void {
    const dir = join(ETC_NETNS, this.namespace(host));
    mkdirSync(dir, { recursive: true });
    const names = hostNames.map((name) => `${hosts[name].address}\t${name}`).join("\n");
    writeFileSync(
      join(dir, "hosts"),
      `# ${host}'s /etc/hosts in the sockets-typescript lab (removed by npm run lab:down)\n` +
        `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${names}\n`,
    );
    writeFileSync(join(dir, "hostname"), `${host}\n`);
  }

  private removeEtc(host: HostName): void {
    rmSync(join(ETC_NETNS, this.namespace(host)), { recursive: true, force: true });
    // /etc/netns is not part of a Debian system: leave no empty folder behind.
    if (existsSync(ETC_NETNS) && readdirSync(ETC_NETNS).length === 0) rmdirSync(ETC_NETNS);
  }
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function checkHost(host: string): asserts host is HostName {
  if (!(hostNames as string[]).includes(host)) throw new LabError("ERR_LAB_UNKNOWN_HOST", `unknown host ${JSON.stringify(host)}: the lab's hosts are ${hostNames.join(" and ")}`);
}

/** The lab needs root (namespaces, veth); say so plainly instead of failing half-way. */
export function checkRoot(what: string): void {
  if (process.platform !== "linux") throw new LabError("ERR_LAB_NOT_LINUX", `the lab needs Linux (network namespaces); this is ${process.platform}`);
  if (process.getuid?.() !== 0) throw new LabError("ERR_LAB_NOT_ROOT", `root is needed to ${what}: run it with sudo (for example: sudo npm run lab:up)`);
}
