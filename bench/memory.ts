// Memory of open sockets: the resident set size (RSS) a process gains by opening and holding
// `count` UDP sockets bound to 127.0.0.1 (measured inside that process, after a warm-up and GC).
import type { Implementation } from "./implementations";
import { Peer } from "./peer-process";

export interface MemoryRun {
  count: number;
  /** RSS gained, in bytes. */
  delta: number;
  /** RSS before opening them (the process with its runtime and socket library loaded). */
  base: number;
  /** JS heap gained (Node processes only): what the socket objects themselves hold, without the heap's slack. */
  heap?: number;
}

export async function socketMemory(impl: Implementation, count: number): Promise<MemoryRun> {
  const peer = new Peer(`${impl.label} memory`, impl.argv("memory", [String(count), "127.0.0.1"]));
  try {
    const got = await peer.result<{ count: number; before: number; after: number; heap?: number }>(30_000);
    return { count: got.count, delta: got.after - got.before, base: got.before, heap: got.heap };
  } finally {
    peer.kill();
  }
}
