// The links a measurement runs over: loopback (always), and a veth between the lab's two hosts
// (romeo sends, juliet receives) when root. The lab is the project's own (src/lab), under its own
// namespace prefix so it never touches a student's lab; it is brought up here and taken down at
// the end unless it was already up.
import { hosts } from "@sockets-typescript/topology";
import { Lab } from "../src/lab/lab";

export interface Link {
  name: string;
  /** What the report prints about the link. */
  description: string;
  /** The address the receiver binds and the sender sends to. */
  receiverHost: string;
  receiverArgv(argv: string[]): string[];
  senderArgv(argv: string[]): string[];
  /** Removes what opening the link created. */
  close(): Promise<void>;
}

export const loopback: Link = {
  name: "loopback",
  description: "loopback, 127.0.0.1 -> 127.0.0.1 (lo)",
  receiverHost: "127.0.0.1",
  receiverArgv: (argv) => argv,
  senderArgv: (argv) => argv,
  close: async () => {},
};

/** The bench's own lab prefix, so it never brings down a lab a student is using. */
export const BENCH_LAB_PREFIX = "bench-";

/**
 * A veth between two network namespaces (the lab's romeo -> juliet). Needs root. An abort while
 * the lab comes up removes again what was made (the lab's own roll-back).
 */
export async function openVeth(progress: (line: string) => void, signal?: AbortSignal): Promise<Link> {
  const lab = new Lab({ prefix: process.env.SOCKETS_LAB_PREFIX ?? BENCH_LAB_PREFIX });
  const wasUp = await lab.isUp();
  if (!wasUp) await lab.up(progress, signal);
  return {
    name: "veth",
    description: `veth between namespaces ${lab.namespace("romeo")} (${hosts.romeo.address}) -> ${lab.namespace("juliet")} (${hosts.juliet.address})`,
    receiverHost: hosts.juliet.address,
    receiverArgv: (argv) => lab.hostArgv("juliet", argv),
    senderArgv: (argv) => lab.hostArgv("romeo", argv),
    close: async () => {
      if (!wasUp) await lab.down(progress);
    },
  };
}

/** True when this process may create network namespaces. */
export function canOpenVeth(): boolean {
  return process.platform === "linux" && process.getuid?.() === 0;
}
