// What the impairment tests share: measuring datagrams across the lab's LAN, and looking for
// any trace of an impairment (stage process, queue rule, netem qdisc) independently of the
// package's own clear/status code.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { HostName } from "@sockets-typescript/topology";
import { hosts } from "@sockets-typescript/topology";
import { analyse, type Measurement } from "@sockets-typescript/impair/dist/src/measure";
import type { Lab } from "../../src/lab/lab";
import { projectRoot } from "./lab-fixture";

const measureJs = join(projectRoot, "packages", "impair", "dist", "src", "measure.js");

/** Sends `count` numbered datagrams from one host to the other (gap ms apart) and measures what arrived. */
export async function measureLink(lab: Lab, from: HostName, to: HostName, count = 1000, gapMs = 1, port = 5999): Promise<Measurement> {
  const [rc, ...rargs] = lab.hostArgv(to, [process.execPath, measureJs, "recv", String(port), String(count), "1500"]);
  const receiver = spawn(rc, rargs, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  receiver.stdout.on("data", (c) => (out += c));
  receiver.stderr.on("data", (c) => (err += c));
  const finished = new Promise<void>((resolve) => receiver.on("exit", () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!out.includes("READY")) {
    if (Date.now() > deadline) {
      receiver.kill();
      throw new Error(`the receiver on ${to} did not say READY within 10 s: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const [sc, ...sargs] = lab.hostArgv(from, [process.execPath, measureJs, "send", hosts[to].address, String(port), String(count), String(gapMs)]);
  const sender = spawnSync(sc, sargs, { encoding: "utf8", timeout: 60_000 });
  if (sender.status !== 0) {
    receiver.kill();
    throw new Error(`the sender on ${from} failed: ${sender.stderr}`);
  }
  const timer = setTimeout(() => receiver.kill(), 30_000);
  await finished;
  clearTimeout(timer);
  const log = out.split("\n").find((line) => line.startsWith("{"));
  if (!log) throw new Error(`the receiver on ${to} printed no log: ${out} ${err}`);
  return analyse(JSON.parse(sender.stdout), JSON.parse(log));
}

/** Every trace of an impairment in a host, found by looking at the system directly. */
export function traces(lab: Lab, host: HostName): string[] {
  const ns = lab.namespace(host);
  const found: string[] = [];
  let inode: number;
  try {
    inode = statSync(`/var/run/netns/${ns}`).ino;
  } catch {
    inode = -1; // namespace gone: look for processes anyway (any stage still naming lan0 would be a leftover)
  }
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmd.includes("--sockets-impair-stage") || cmd.includes("--probe")) continue;
      const nsIno = statSync(`/proc/${pid}/ns/net`).ino;
      if (inode === -1 || nsIno === inode) found.push(`stage process ${pid}: ${cmd.split("\0").join(" ")}`);
    } catch {
      // gone meanwhile
    }
  }
  if (inode === -1) return found;
  const rules = spawnSync("ip", ["netns", "exec", ns, "iptables", "-w", "-t", "mangle", "-S"], { encoding: "utf8" }).stdout;
  for (const line of rules.split("\n")) if (/NFQUEUE|impair/.test(line)) found.push(`rule: ${line}`);
  const qdisc = spawnSync("ip", ["netns", "exec", ns, "tc", "qdisc", "show"], { encoding: "utf8" }).stdout;
  for (const line of qdisc.split("\n")) if (/netem|5ee:|ingress/.test(line)) found.push(`qdisc: ${line}`);
  const links = spawnSync("ip", ["-n", ns, "-o", "link", "show"], { encoding: "utf8" }).stdout;
  for (const line of links.split("\n")) if (/imp-/.test(line)) found.push(`link: ${line}`);
  return found;
}

/** True while the process runs (a zombie waiting for its parent to reap it has ended). */
export function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
