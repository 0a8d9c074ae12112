// Receiver and sender on CPUs of their own (taskset). Left to the scheduler, the two processes
// of a measurement sometimes share one CPU while another program runs on the other, and a
// datagram rate then falls to a quarter: pinning gives every implementation the same placement.
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import type { Link } from "./links";

export const SENDER_CPU = 0;
export const RECEIVER_CPU = 1;

/** Why pinning is not possible here, or null when it is. */
export function cannotPin(): string | null {
  if (cpus().length < 2) return "only one CPU";
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
    return null;
  } catch {
    return "taskset (util-linux) not found";
  }
}

/** The same link with its receiver on RECEIVER_CPU and its sender on SENDER_CPU (affinity survives exec). */
export function pinned(link: Link): Link {
  return {
    ...link,
    description: `${link.description}; receiver on CPU ${RECEIVER_CPU}, sender on CPU ${SENDER_CPU}`,
    receiverArgv: (argv) => ["taskset", "-c", String(RECEIVER_CPU), ...link.receiverArgv(argv)],
    senderArgv: (argv) => ["taskset", "-c", String(SENDER_CPU), ...link.senderArgv(argv)],
  };
}
