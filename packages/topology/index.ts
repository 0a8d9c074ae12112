// The one definition of the tutorial's hosts, addresses and ports.
// topology.json is the source: the lab, the notebooks' setup cells (through this
// module) and the Python reservation notebooks (reading the JSON) all use it.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export type HostName = "romeo" | "juliet";

export interface Host {
  name: HostName;
  address: string;
  role: "client" | "server";
}

interface TopologyFile {
  network: { name: string; subnet: string; prefix: number };
  hosts: Record<HostName, { address: string; role: "client" | "server" }>;
  ports: { juliet: number; julietSecond: number; romeoUnused: number };
}

/** Path of topology.json, for tools in other languages. */
export const topologyFile = join(__dirname, "..", "topology.json");

const raw = JSON.parse(readFileSync(topologyFile, "utf8")) as TopologyFile;

export const network = raw.network;
export const hostNames = Object.keys(raw.hosts) as HostName[];
export const hosts: Record<HostName, Host> = {
  romeo: { name: "romeo", ...raw.hosts.romeo },
  juliet: { name: "juliet", ...raw.hosts.juliet },
};
export const ports = raw.ports;

/** Shorthand for the notebooks: ROMEO / JULIET addresses. */
export const ROMEO = hosts.romeo.address;
export const JULIET = hosts.juliet.address;
