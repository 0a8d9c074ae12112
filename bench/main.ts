// `npm run bench`: this module against CPython's socket module and Node's net/dgram, side by
// side on the same link (loopback; a veth between two namespaces when root): TCP bulk MB/s,
// 64-byte UDP datagrams/s, the ratios against the targets, and the memory of 1,000 sockets.
// Rounds are interleaved (the order rotates) so a busy moment on the machine hits all alike.
// A benchmark, not a test: it reports BELOW but exits 0; it exits 1 only when it could not measure.
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { cpython, floor, implementations, tcpImplementations, type Implementation, type ImplementationKey } from "./implementations";
import { canOpenVeth, loopback, openVeth, type Link } from "./links";
import { socketMemory, type MemoryRun } from "./memory";
import { parseOptions, type BenchOptions } from "./options";
import { killAllPeers } from "./peer-process";
import { python } from "./paths";
import { cannotPin, pinned } from "./pinning";
import { linkReport, memoryReport, pacedKeys, pacedRates, type LinkResults, type Rounds } from "./report";
import { tcpBulk, type TcpRun } from "./tcp-bulk";
import { udpRate, type UdpRun } from "./udp-rate";
import { measureLabSpeed } from "./lab-speed";
import { measureViewsCost } from "./views-cost";
import { measureClassGrading } from "./class-grading";
import { measureProfile } from "./profile";
import { measureKernelDrift } from "./kernel-drift";
import { measureWalkthroughOverhead } from "./walkthrough-overhead";

const progress = (line: string): void => void process.stderr.write(`  ${line}\n`);
let openLink: Link | undefined;
/** Set while the veth link is being opened: Ctrl-C then waits for the lab's roll-back. */
let opening: Promise<unknown> | undefined;
const abort = new AbortController();
/** Set while a lab part (lab speed, views cost, class grading) runs: Ctrl-C then waits for it to stop its servers and labs. */
let labPartRun: Promise<unknown> | undefined;

/** The implementations in round r's order (rotated by one each round). */
function rotated(list: Implementation[], r: number): Implementation[] {
  return list.map((_, i) => list[(i + r) % list.length]);
}

async function measure<T>(list: Implementation[], rounds: number, what: string, run: (impl: Implementation) => Promise<T>): Promise<Map<ImplementationKey, Rounds<T>>> {
  const results = new Map<ImplementationKey, Rounds<T>>(list.map((impl) => [impl.key, []]));
  for (let r = 0; r < rounds; r++) {
    for (const impl of rotated(list, r)) {
      progress(`${what}: ${impl.label}, round ${r + 1}/${rounds}`);
      try {
        results.get(impl.key)!.push(await run(impl));
      } catch (err) {
        results.get(impl.key)!.push((err as Error).message);
      }
    }
  }
  return results;
}

async function benchLink(link: Link, o: BenchOptions): Promise<LinkResults> {
  const tcp = await measure<TcpRun>(tcpImplementations, o.rounds, `${link.name} TCP`, (impl) => tcpBulk(impl, link, o.tcpBytes, o.tcpLimitSeconds));
  const udp = await measure<UdpRun>(implementations, o.rounds, `${link.name} UDP`, (impl) =>
    udpRate(impl, link, { size: o.udpSize, warmup: o.udpWarmup, window: o.udpWindow, idle: o.udpIdle }));
  const results: LinkResults = { description: link.description, tcp, udp };
  if (o.pacedShare !== null) {
    const rates = pacedRates(results, o.pacedShare);
    if (rates === null) {
      progress(`${link.name}: same-work run skipped (a receiver has no free-running result)`);
      return results;
    }
    // The floor runs here only: a receiver with no sender of its own.
    const receivers = [...implementations.filter((impl) => pacedKeys.includes(impl.key)), floor];
    // At most ~4 s per paced TCP run: the same bytes for every receiver, a bounded bench.
    const tcpBytes = Math.min(o.tcpBytes, Math.floor(rates.tcp * 1e6 * 4));
    const pacedTcp = await measure<TcpRun>(receivers, o.rounds, `${link.name} TCP paced ${rates.tcp} MB/s`, (impl) =>
      tcpBulk(impl, link, tcpBytes, o.tcpLimitSeconds, { sender: cpython, rate: rates.tcp }));
    const pacedUdp = await measure<UdpRun>(receivers, o.rounds, `${link.name} UDP paced ${rates.udp} dgram/s`, (impl) =>
      udpRate(impl, link, { size: o.udpSize, warmup: o.udpWarmup, window: o.udpWindow, idle: o.udpIdle }, { sender: cpython, rate: rates.udp }));
    results.paced = { share: o.pacedShare, tcpRate: rates.tcp, tcpBytes, udpRate: rates.udp, tcp: pacedTcp, udp: pacedUdp };
  }
  return results;
}

function versions(): string {
  let py = "unknown";
  try {
    py = execFileSync(python, ["--version"], { encoding: "utf8" }).trim();
  } catch {
    py = `${python} not found`;
  }
  const cpu = cpus();
  return `Node ${process.version}, ${py} (${python}), ${cpu.length} x ${cpu[0]?.model.trim() ?? "cpu"}, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`;
}

async function main(): Promise<number> {
  let o: BenchOptions;
  try {
    o = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  // Ctrl-C and SIGTERM alike: peers killed, the link closed, the lab-speed part's server and lab stopped, exit 130.
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) return;
    progress(`${signal}: stopping the peers, the link, the Jupyter server and the lab`);
    killAllPeers();
    abort.abort();
    const link = openLink;
    openLink = undefined;
    const cleanup = Promise.allSettled([link ? link.close() : (opening ?? Promise.resolve()), labPartRun]);
    void cleanup.finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  console.log(`sockets-typescript bench: ${versions()}`);
  console.log(`${o.rounds} round(s) per implementation and link, interleaved; receiver and sender in separate processes`);
  // Other programs running make every rate noisy (two CPUs are shared by receiver and sender).
  const load = loadavg()[0];
  console.log(load > 0.5 ? `The machine is busy (load ${load.toFixed(2)}): expect noisy rates; the x/cpu-s columns and a quiet rerun tell more.\n` : "");
  const pinProblem = o.pin ? cannotPin() : null;
  if (pinProblem) console.log(`(receiver and sender not pinned to CPUs: ${pinProblem})\n`);
  const pin = o.pin && pinProblem === null;
  const started = performance.now();
  let measured = 0;
  for (const name of o.links) {
    if (abort.signal.aborted) break;
    if (name === "veth" && !canOpenVeth()) {
      console.log("Link: veth skipped (creating network namespaces needs root)\n");
      continue;
    }
    let link: Link;
    try {
      const pending = name === "loopback" ? Promise.resolve(loopback) : openVeth(progress, abort.signal);
      opening = pending;
      link = await pending;
    } catch (err) {
      console.log(`Link: ${name} could not be opened: ${(err as Error).message}\n`);
      continue;
    }
    opening = undefined;
    openLink = link;
    try {
      const results = await benchLink(pin ? pinned(link) : link, o);
      console.log(linkReport(results, o.tcpBytes, o.udpSize, o.udpWindow) + "\n");
      measured++;
    } finally {
      openLink = undefined;
      await link.close();
    }
  }
  const memory = new Map<ImplementationKey, MemoryRun | string>();
  for (const impl of implementations) {
    progress(`memory: ${impl.label}`);
    try {
      memory.set(impl.key, await socketMemory(impl, o.sockets));
    } catch (err) {
      memory.set(impl.key, (err as Error).message);
    }
  }
  console.log(memoryReport(memory));
  // The lab-speed part brings up a lab and Jupyter: only in a run that includes the veth (the lab's link).
  if (o.labSpeed && canOpenVeth() && o.links.includes("veth") && !abort.signal.aborted) {
    // Each part takes its own lab and Jupyter server down when it ends, fails or is aborted.
    const parts: { what: string; name: string; run: () => Promise<unknown> }[] = [
      { what: "lab speed: lab up/down, kernels through Jupyter", name: "lab speed", run: () => measureLabSpeed(console.log, abort.signal) },
      { what: "views cost: a cell with the wire view and socket table against one without", name: "views cost", run: () => measureViewsCost(console.log, abort.signal) },
      { what: "profile: kernel start and cells stage by stage (ts-juliet, before, plain tslab, python)", name: "profile", run: () => measureProfile(console.log, abort.signal) },
      { what: "kernel drift: 505 cells in one kernel, the 500th against the 10th", name: "kernel drift", run: () => measureKernelDrift(console.log, abort.signal) },
      { what: "walkthrough overhead: UDP + TCP headless against one kernel start + the cells' own time", name: "walkthrough overhead", run: () => measureWalkthroughOverhead(console.log, abort.signal) },
      { what: "class grading: 4 reference submissions, 1 then 2 at once", name: "class grading", run: () => measureClassGrading(console.log, abort.signal) },
    ];
    for (const part of parts) {
      if (abort.signal.aborted) break;
      progress(part.what);
      try {
        console.log("");
        labPartRun = part.run();
        await labPartRun;
      } catch (err) {
        console.log(`${part.name} could not be measured: ${(err as Error).message}`);
      }
    }
  }
  console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s; targets are goals, not a test: BELOW does not fail the run)`);
  return measured > 0 ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (err) => {
  killAllPeers();
  console.error(err);
  process.exitCode = 1;
});
