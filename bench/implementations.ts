// The three socket implementations compared side by side, and how to start each one's peers;
// for TCP also this module's and CPython's receiver with recv_into() on one reused buffer.
import { join } from "node:path";
import { pyPeers, python, tsPeers } from "./paths";

export type Concern = "tcp" | "udp" | "memory";
export type ImplementationKey = "module" | "cpython" | "node" | "module-into" | "cpython-into" | "floor";

export interface Implementation {
  key: ImplementationKey;
  /** Column label in the report. */
  label: string;
  /** The argv of one peer process (before any namespace wrapping). */
  argv(concern: Concern, args: string[]): string[];
}

export const module: Implementation = {
  key: "module",
  label: "this module",
  argv: (concern, args) => [process.execPath, ...(concern === "memory" ? ["--expose-gc"] : []), join(tsPeers, `module-${concern}.js`), ...args],
};

export const cpython: Implementation = {
  key: "cpython",
  label: "CPython socket",
  argv: (concern, args) => [python, join(pyPeers, `${concern}_peer.py`), ...args],
};

export const node: Implementation = {
  key: "node",
  label: "Node net/dgram",
  argv: (concern, args) => [process.execPath, ...(concern === "memory" ? ["--expose-gc"] : []), join(tsPeers, `node-${concern}.js`), ...args],
};

export const implementations: Implementation[] = [module, cpython, node];

/**
 * The design's floor (peers/floor.ts): a bare receive loop on the module's machinery (koffi calls,
 * a libuv poll handle), receivers only: it runs in the same-work runs, fed by CPython's paced sender.
 */
export const floor: Implementation = {
  key: "floor",
  label: "floor (bare loop)",
  argv: (concern, args) => [process.execPath, join(tsPeers, "floor.js"), concern, ...args],
};

/** The same implementation whose TCP receiver reads with recv_into() into one reused 64 KiB buffer. */
function receivingInto(base: Implementation, key: ImplementationKey, label: string): Implementation {
  return { key, label, argv: (concern, args) => base.argv(concern, args[0] === "recv" ? ["recv_into", ...args.slice(1)] : args) };
}

export const moduleInto = receivingInto(module, "module-into", "module recv_into");
export const cpythonInto = receivingInto(cpython, "cpython-into", "CPython recv_into");

/** TCP rows: recv(65536) of each implementation, plus the recv_into rows. */
export const tcpImplementations: Implementation[] = [module, moduleInto, cpython, cpythonInto, node];
