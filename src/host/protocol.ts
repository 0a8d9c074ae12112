// The host-kernel protocol, written once: what a launcher (lab-launcher.ts in the lab,
// testbeds/kernels/ssh_kernel_launcher.py on a testbed hub, kernel-check.ts in host set-up) and
// host-kernel.ts say to each other. The Python launcher cannot import this file: its copies of
// these constants are compared with these by test/protocol.test.ts, and the connection info is
// checked by the same rules in both languages against test/fixtures/connection-vectors.json.
//
//   launcher                                   host-kernel (on the host)          tslab
//   --------                                   -------------------------          -----
//   spawn  node HOST_KERNEL_SCRIPT [--relay-dir DIR]
//   stdin line 1: connection info (JSON) --->  checks it (connection.ts), starts --> binds 5 ports
//                                        <---  stderr: STARTED_MARKER pid N on HOST
//                                              (--relay-dir) DIR/<channel>.sock per channel,
//                                              served once all 5 ports listen
//   stdin line "interrupt"               --->  "interrupt N <ns>" on fd 3       --> tslab-preload ends the
//                                              (SIGINT if no "ack N" in 0.5 s)      cell running then
//   stdin closed (launcher gone/stopping)--->  SIGTERM, SIGKILL after 2 s      --> exits
//                                        <---  exit status: tslab's; 1 = refused or failed
import { createHmac } from "node:crypto";
import { join } from "node:path";

/** The five ZeroMQ channels of a Jupyter kernel, in the order of the connection file. */
export const CHANNELS = ["shell", "iopub", "stdin", "control", "hb"] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * A Jupyter message's signature (the wire protocol's hmac-sha256 of header, parent header,
 * metadata and content, in that order); "" when the connection has no key, as the protocol says.
 */
export function signMessage(key: string, parts: readonly string[]): string {
  if (key === "") return "";
  const hmac = createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}

/** A Jupyter connection file's contents as host-kernel accepts them (see connection.ts for the rules). */
export interface ConnectionInfo {
  transport: "tcp";
  ip: "127.0.0.1";
  key: string;
  signature_scheme: "hmac-sha256";
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  [other: string]: unknown;
}

/** host-kernel's script, relative to the project on the host (the ssh launcher runs it there). */
export const HOST_KERNEL_SCRIPT = "dist/src/host/host-kernel.js";
/** host-kernel's one option: serve the five ports as unix sockets in this folder. */
export const RELAY_DIR_OPTION = "--relay-dir";
/** A stdin line (after the first): Jupyter's interrupt, which host-kernel hands to tslab's preload (tslab-preload.ts). */
export const INTERRUPT_LINE = "interrupt";
/**
 * The start of the stderr line host-kernel writes once tslab is spawned. The ssh launcher takes it
 * as "the kernel runs on the host": an ssh exit 255 after it is a lost link, not a refused login.
 */
export const STARTED_MARKER = "host-kernel: tslab started";
/** host-kernel's exit status when it refuses (bad arguments, bad connection info) or cannot start tslab. */
export const EXIT_FAILED = 1;
/** Exit statuses of the ssh launcher's remote shell command, before host-kernel runs. */
export const EXIT_NOT_SET_UP = 97; // the project (HOST_KERNEL_SCRIPT) is not on the host
export const EXIT_NO_NODE = 98; // no node on the host

export function startedLine(pid: number | undefined, host: string): string {
  return `${STARTED_MARKER} pid ${pid} on ${host}`;
}

/** Where a channel's unix socket is in a relay folder: <dir>/<channel>.sock. */
export function relaySocketPath(relayDir: string, channel: Channel): string {
  return join(relayDir, `${channel}.sock`);
}

export function portOf(info: ConnectionInfo, channel: Channel): number {
  return info[`${channel}_port`];
}
