// The printed report: per link a TCP and a UDP table (best and median of the rounds, every
// round), the ratios against the targets with PASS/BELOW, and the memory of open sockets.
import type { ImplementationKey } from "./implementations";
import type { MemoryRun } from "./memory";
import type { TcpRun } from "./tcp-bulk";
import type { UdpRun } from "./udp-rate";

/** Rounds of one implementation on one link; a failed round is its error text. */
export type Rounds<T> = (T | string)[];

export interface LinkResults {
  description: string;
  tcp: Map<ImplementationKey, Rounds<TcpRun>>;
  udp: Map<ImplementationKey, Rounds<UdpRun>>;
  /** The same-work run, when measured. */
  paced?: PacedResults;
}

/** The receivers compared in the same-work run (both TCP recv(65536) and UDP recvfrom). */
export const pacedKeys: ImplementationKey[] = ["module", "cpython"];

/** The same-work run: every receiver offered one load by one paced sender. */
export interface PacedResults {
  share: number;
  /** Offered TCP load, MB/s, and bytes per run. */
  tcpRate: number;
  tcpBytes: number;
  /** Offered UDP load, datagrams/s. */
  udpRate: number;
  tcp: Map<ImplementationKey, Rounds<TcpRun>>;
  udp: Map<ImplementationKey, Rounds<UdpRun>>;
}

/**
 * The paced loads: `share` of the slowest receiver's best free-running rate (this module vs
 * CPython), rounded down to 2 significant digits; null when a receiver has no free-running result.
 */
export function pacedRates(results: LinkResults, share: number): { tcp: number; udp: number } | null {
  const slowest = (test: "tcp" | "udp"): number => Math.min(...pacedKeys.map((key) => {
    const rates = rateOf(results, test, key);
    return rates.length ? best(rates) : NaN;
  }));
  const round2 = (n: number): number => {
    const unit = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
    return Math.floor(n / unit) * unit;
  };
  const tcp = slowest("tcp") * share;
  const udp = slowest("udp") * share;
  return Number.isFinite(tcp) && Number.isFinite(udp) && tcp >= 1 && udp >= 1 ? { tcp: round2(tcp), udp: round2(udp) } : null;
}

/**
 * The same-work lines: receiver CPU per unit of work (µs per MB, µs per datagram; lowest and
 * median of the rounds) and this module's cost / CPython's, PASS when at most 1.0.
 */
export function pacedLines(p: PacedResults): string[] {
  const lines = [`  Same work: one paced sender (CPython's) offers every receiver ${(p.share * 100).toFixed(0)}% of the slowest receiver's best rate above;`,
    `  receiver CPU (its own user + system) per unit of work, lowest round (median), every round; the floor is a bare`,
    `  receive loop on this module's machinery (koffi calls, a libuv poll handle: bench/peers/floor.ts)`];
  const rows: { test: "tcp" | "udp"; what: string; unit: string; cost: (r: TcpRun | UdpRun) => number; note: (r: TcpRun | UdpRun) => string }[] = [
    { test: "tcp", what: `TCP recv(65536), ${num(p.tcpRate)} MB/s offered, ${(p.tcpBytes / 2 ** 20).toFixed(0)} MiB`, unit: "us CPU/MB",
      cost: (r) => 1e6 / (r as TcpRun).mbPerCpuSecond, note: (r) => `${num((r as TcpRun).mbps)} MB/s${(r as TcpRun).ended === "eof" ? "" : ` (${(r as TcpRun).ended})`}` },
    { test: "udp", what: `UDP recvfrom 64 B, ${num(p.udpRate)} dgram/s offered`, unit: "us CPU/dgram",
      cost: (r) => 1e6 / (r as UdpRun).perCpuSecond, note: (r) => `${num((r as UdpRun).rate)}/s, loss ${((r as UdpRun).loss * 100).toFixed(1)}%` },
  ];
  for (const row of rows) {
    lines.push(`    ${row.what} (${row.unit}):`);
    const costs = new Map<ImplementationKey, number[]>();
    for (const [key, rounds] of row.test === "tcp" ? p.tcp : p.udp) {
      const got = ok<TcpRun | UdpRun>(rounds);
      const c = got.map(row.cost);
      costs.set(key, c);
      const notes = rounds.map((r) => (typeof r === "string" ? `failed: ${r}` : `${row.cost(r).toFixed(row.test === "tcp" ? 0 : 2)} at ${row.note(r)}`));
      const fmt = (n: number): string => (row.test === "tcp" ? num(n) : n.toFixed(2));
      lines.push(`      ${labels[key].padEnd(16)}${pad(c.length ? fmt(Math.min(...c)) : "-", 8)}${pad(c.length ? `(${fmt(median(c))})` : "", 10)}   ${notes.join(", ")}`);
    }
    const mine = costs.get("module") ?? [];
    const other = costs.get("cpython") ?? [];
    const name = `      this module / CPython socket, CPU for the same work `;
    if (!mine.length || !other.length) {
      lines.push(`${name}no result  FAIL`);
      continue;
    }
    const ratio = Math.min(...mine) / Math.min(...other);
    lines.push(`${name}${ratio.toFixed(2)}x (${(median(mine) / median(other)).toFixed(2)}x)  target <= 1.0x  ${ratio <= 1 ? "PASS" : "FAIL"}`);
    // Where the difference lies: the module's own overhead, and the way of waiting itself.
    const bare = costs.get("floor") ?? [];
    if (bare.length) {
      lines.push(`      this module / floor (the module's own overhead)              ${(Math.min(...mine) / Math.min(...bare)).toFixed(2)}x (${(median(mine) / median(bare)).toFixed(2)}x)`);
      lines.push(`      floor / CPython socket (event-loop waiting vs a blocking call) ${(Math.min(...bare) / Math.min(...other)).toFixed(2)}x (${(median(bare) / median(other)).toFixed(2)}x)`);
    }
  }
  return lines;
}

/** The issue's targets: this module's rate divided by the other's, at least `min`. */
export const targets: { test: "tcp" | "udp"; other: ImplementationKey; min: number }[] = [
  { test: "tcp", other: "cpython", min: 1.0 },
  { test: "tcp", other: "node", min: 1.0 },
  { test: "udp", other: "cpython", min: 1.0 },
  { test: "udp", other: "node", min: 1.2 },
];

/**
 * The issue's receive-cost targets: this module's receiver takes in at least as much per second
 * of its own CPU (x/cpu-s, best round) as CPython's. recv_into is printed beside them.
 */
export const costTargets: { test: "tcp" | "udp"; mine: ImplementationKey; other: ImplementationKey; what: string; min: number | null }[] = [
  { test: "tcp", mine: "module", other: "cpython", what: "TCP recv(65536)", min: 1.0 },
  { test: "udp", mine: "module", other: "cpython", what: "UDP recvfrom 64 B", min: 1.0 },
  { test: "tcp", mine: "module-into", other: "cpython-into", what: "TCP recv_into (reused buffer)", min: null },
  { test: "tcp", mine: "module-into", other: "cpython", what: "TCP recv_into vs CPython recv", min: null },
];

const labels: Record<ImplementationKey, string> = {
  module: "this module",
  cpython: "CPython socket",
  node: "Node net/dgram",
  "module-into": "  recv_into",
  "cpython-into": "  recv_into",
  floor: "floor (bare)",
};
const longLabels: Record<ImplementationKey, string> = { ...labels, "module-into": "this module recv_into", "cpython-into": "CPython recv_into" };

export function best(values: number[]): number {
  return Math.max(...values);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function ok<T>(rounds: Rounds<T> | undefined): T[] {
  return (rounds ?? []).filter((r): r is T => typeof r !== "string");
}

const pad = (text: string, width: number): string => text.padStart(width);
const num = (n: number): string => Math.round(n).toLocaleString("en-US");

function rateOf(results: LinkResults, test: "tcp" | "udp", key: ImplementationKey): number[] {
  return test === "tcp" ? ok(results.tcp.get(key)).map((r) => r.mbps) : ok(results.udp.get(key)).map((r) => r.rate);
}

function perCpuOf(results: LinkResults, test: "tcp" | "udp", key: ImplementationKey): number[] {
  return test === "tcp" ? ok(results.tcp.get(key)).map((r) => r.mbPerCpuSecond) : ok(results.udp.get(key)).map((r) => r.perCpuSecond);
}

/** The receive-cost lines: x/cpu-s ratio of the best rounds (median ratio in brackets), PASS/FAIL. */
export function costLines(results: LinkResults): string[] {
  const lines = [`  Receive cost, what the receiver takes in per second of its own CPU (x/cpu-s), this module / CPython:`];
  for (const t of costTargets) {
    const mine = perCpuOf(results, t.test, t.mine);
    const other = perCpuOf(results, t.test, t.other);
    const name = `${t.what}  ${longLabels[t.mine]} / ${longLabels[t.other]} `.padEnd(74);
    if (!mine.length || !other.length) {
      lines.push(`    ${name} no result${t.min === null ? "" : "  FAIL"}`);
      continue;
    }
    const ratio = best(mine) / best(other);
    const medianRatio = median(mine) / median(other);
    const verdict = t.min === null ? "(no target)" : `target >= ${t.min.toFixed(1)}x  ${ratio >= t.min ? "PASS" : "FAIL"}`;
    lines.push(`    ${name}${ratio.toFixed(2)}x (${medianRatio.toFixed(2)}x)  ${verdict}`);
  }
  return lines;
}

export function linkReport(results: LinkResults, tcpBytes: number, udpSize: number, udpWindow: number): string {
  const lines: string[] = [`Link: ${results.description}`];
  lines.push(`  TCP bulk, ${tcpBytes / 2 ** 20} MiB, receiver recv(65536) (recv_into rows: into one reused 64 KiB buffer; Node net: its 'data' chunks), MB/s = 10^6 B/s`);
  lines.push(`    ${"".padEnd(16)}${pad("best MB/s", 10)}${pad("median", 9)}${pad("MB/cpu-s", 10)}   every round`);
  for (const [key, rounds] of results.tcp) {
    const rates = ok(rounds).map((r) => r.mbps);
    const perCpu = ok(rounds).map((r) => r.mbPerCpuSecond);
    const notes = rounds.map((r) => (typeof r === "string" ? `failed: ${r}` : `${num(r.mbps)}${r.ended === "eof" ? "" : ` (${r.ended})`}`));
    lines.push(`    ${labels[key].padEnd(16)}${pad(rates.length ? num(best(rates)) : "-", 10)}${pad(rates.length ? num(median(rates)) : "-", 9)}` +
      `${pad(perCpu.length ? num(best(perCpu)) : "-", 10)}   ${notes.join(", ")}`);
  }
  lines.push(`  UDP ${udpSize}-byte datagrams, received per second during a ${udpWindow} s window; loss = sent but never received`);
  lines.push(`    ${"".padEnd(16)}${pad("best dgram/s", 13)}${pad("median", 9)}${pad("dgram/cpu-s", 13)}   every round (loss)`);
  for (const [key, rounds] of results.udp) {
    const rates = ok(rounds).map((r) => r.rate);
    const perCpu = ok(rounds).map((r) => r.perCpuSecond);
    const notes = rounds.map((r) => (typeof r === "string" ? `failed: ${r}` : `${num(r.rate)} (${(r.loss * 100).toFixed(1)}%)`));
    lines.push(`    ${labels[key].padEnd(16)}${pad(rates.length ? num(best(rates)) : "-", 13)}${pad(rates.length ? num(median(rates)) : "-", 9)}` +
      `${pad(perCpu.length ? num(best(perCpu)) : "-", 13)}   ${notes.join(", ")}`);
  }
  lines.push(`  (x/cpu-s: what the receiver takes in per second of its own CPU time, best round: its cost, less`);
  lines.push(`   disturbed than the rates when other programs compete for the CPUs)`);
  lines.push(`  Targets (ratio of the best rounds; median ratio in brackets):`);
  for (const t of targets) {
    const mine = rateOf(results, t.test, "module");
    const other = rateOf(results, t.test, t.other);
    const name = `${t.test.toUpperCase()}  this module / ${labels[t.other]}`.padEnd(42);
    if (!mine.length || !other.length) {
      lines.push(`    ${name} no result`);
      continue;
    }
    const ratio = best(mine) / best(other);
    const medianRatio = median(mine) / median(other);
    lines.push(`    ${name}${ratio.toFixed(2)}x (${medianRatio.toFixed(2)}x)  target >= ${t.min.toFixed(1)}x  ${ratio >= t.min ? "PASS" : "BELOW"}`);
  }
  lines.push(...costLines(results));
  if (results.paced) lines.push(...pacedLines(results.paced));
  return lines.join("\n");
}

export function memoryReport(runs: Map<ImplementationKey, MemoryRun | string>): string {
  const lines = ["Memory: RSS gained by one process opening and holding UDP sockets bound to 127.0.0.1"];
  for (const [key, run] of runs) {
    if (typeof run === "string") {
      lines.push(`    ${labels[key].padEnd(16)} failed: ${run}`);
      continue;
    }
    lines.push(`    ${labels[key].padEnd(16)}${pad((run.delta / 2 ** 20).toFixed(2), 8)} MiB for ${num(run.count)} sockets` +
      ` (${num(run.delta / run.count)} B each; process RSS before: ${(run.base / 2 ** 20).toFixed(1)} MiB` +
      `${run.heap === undefined ? "" : `; JS heap gained: ${num(run.heap / run.count)} B each`})`);
  }
  return lines.join("\n");
}
