// What one run of the exercise is about, line by line: the lines each host speaks (with the run's
// words) and what the packet filter saw of each crossing the LAN. Shared by the judge
// (exercise-requirements.ts) and the wire watch (wire-watch.ts), which otherwise know nothing of each other.
import type { HostName } from "@sockets-typescript/topology";
import { writtenLinesOf, type DialogueLine } from "@sockets-typescript/dialogue";

/** The lines each host spoke in one run (with that run's words; the written lines outside a variant run). */
export type RunLines = Record<HostName, DialogueLine[]>;

export const writtenRunLines = (): RunLines => ({ romeo: writtenLinesOf("romeo"), juliet: writtenLinesOf("juliet") });

export interface LineArrival {
  line: DialogueLine;
  /** The host the line was sent to. */
  receiver: HostName;
  /** Packets carrying the line that the receiving host accepted. */
  packets: number;
  /** Packets carrying the line that were dropped on purpose. */
  dropped: number;
}
