// What the runner needs from the lab: a kernel on each host, started for a notebook pair.
import type { HostName } from "@sockets-typescript/topology";
import type { KernelClient } from "./kernel-client";
import type { HostNotebook } from "./notebook";

export interface KernelPair {
  kernels: Record<HostName, KernelClient>;
  /** Milliseconds from asking for the two kernels to both being idle. */
  startMs: number;
  /** Shuts both kernels down. */
  stop(): Promise<void>;
}

export interface KernelBackend {
  /** Starts juliet's and romeo's kernels (in parallel), each with its notebook's directory as working directory. */
  startPair(notebooks: readonly HostNotebook[]): Promise<KernelPair>;
  /** Stops whatever the backend started (the Jupyter server, the lab if it brought it up). */
  close(): Promise<void>;
}
