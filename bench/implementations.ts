// The three socket implementations compared side by side, and how to start each one's peers.
import { join } from "node:path";
import { pyPeers, python, tsPeers } from "./paths";

export type Concern = "tcp" | "udp" | "memory";
export type ImplementationKey = "module" | "cpython" | "node";

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
