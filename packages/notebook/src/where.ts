// Where this kernel runs: which of the topology's hosts owns one of this machine's addresses,
// and on which interface (lan0 in the lab, the experiment NIC on a testbed).
import { execFileSync } from "node:child_process";
import { networkInterfaces, hostname } from "node:os";
import { hosts, hostNames, type HostName } from "@sockets-typescript/topology";

export interface Whereabouts {
  /** The topology host whose address this machine has, or null. */
  host: HostName | null;
  /** The interface holding that address. */
  interface: string | null;
  /** Every IPv4 address of this machine except loopback, for the message. */
  addresses: string[];
  hostname: string;
}

/**
 * `ip -o -4 addr` as { iface, address } entries: Node's list leaves out interfaces whose link is
 * not running yet (a lab just brought up, a cable out), which still are this host's.
 */
export function parseIpAddr(output: string): { iface: string; address: string }[] {
  return [...output.matchAll(/^\d+:\s+(\S+?)(?:@\S+)?\s+inet\s+([\d.]+)\//gm)].map((m) => ({ iface: m[1], address: m[2] }));
}

function ipAddresses(): { iface: string; address: string }[] {
  try {
    return parseIpAddr(execFileSync("ip", ["-o", "-4", "addr", "show"], { encoding: "utf8", timeout: 5000, stdio: ["ignore", "pipe", "ignore"] }));
  } catch {
    return [];
  }
}

export function locate(interfaces = networkInterfaces(), name = hostname()): Whereabouts {
  let entries = Object.entries(interfaces).flatMap(([iface, list]) => (list ?? []).filter((e) => e.family === "IPv4").map((e) => ({ iface, address: e.address })));
  if (!hostNames.some((host) => entries.some((entry) => entry.address === hosts[host].address))) entries = [...entries, ...ipAddresses()];
  for (const host of hostNames) {
    const found = entries.find((entry) => entry.address === hosts[host].address);
    if (found) return { host, interface: found.iface, addresses: entries.filter((e) => !e.address.startsWith("127.")).map((e) => e.address), hostname: name };
  }
  return { host: null, interface: null, addresses: entries.filter((e) => !e.address.startsWith("127.")).map((e) => e.address), hostname: name };
}

/** The line the setup cell prints, and a warning when the notebook is attached to the other host's kernel. */
export function whereLines(wanted: HostName, where: Whereabouts): string[] {
  if (where.host === wanted) return [`this kernel runs on ${wanted} (${hosts[wanted].address} on ${where.interface})`];
  const kernel = `choose the kernel "TypeScript on ${wanted}" (Kernel menu, Change Kernel) and run this cell again`;
  if (where.host !== null) {
    return [
      `this kernel runs on ${where.host} (${hosts[where.host].address} on ${where.interface})`,
      `warning: this notebook is ${wanted}'s, but its kernel runs on ${where.host}: ${kernel}`,
    ];
  }
  return [
    `this kernel runs on ${where.hostname}, addresses ${where.addresses.join(", ") || "none"}`,
    `warning: this machine has neither romeo's nor juliet's address, so it is not ${wanted}: ${kernel}`,
  ];
}
