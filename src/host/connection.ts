// A Jupyter connection file's contents: the five channels' ports, the signing key.
// Checked before use, because a launcher must fail with a clear line, not a stack.

export const CHANNELS = ["shell", "iopub", "stdin", "control", "hb"] as const;
export type Channel = (typeof CHANNELS)[number];

export interface ConnectionInfo {
  transport: "tcp";
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  [other: string]: unknown;
}

export function portOf(info: ConnectionInfo, channel: Channel): number {
  return info[`${channel}_port`];
}

/** Parses and checks connection info; throws an Error whose message says what is wrong. */
export function parseConnectionInfo(text: string): ConnectionInfo {
  let info: Record<string, unknown>;
  try {
    info = JSON.parse(text);
  } catch {
    throw new Error("connection info is not JSON");
  }
  if (info === null || typeof info !== "object") throw new Error("connection info is not a JSON object");
  // tslab speaks only tcp (no ipc transport).
  if (info.transport !== "tcp") throw new Error(`connection info: transport must be "tcp", not ${JSON.stringify(info.transport)}`);
  if (info.ip !== "127.0.0.1") throw new Error(`connection info: ip must be 127.0.0.1 (kernels listen on loopback only), not ${JSON.stringify(info.ip)}`);
  if (typeof info.key !== "string") throw new Error("connection info: key must be a string");
  for (const channel of CHANNELS) {
    const port = info[`${channel}_port`];
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
      throw new Error(`connection info: ${channel}_port must be a port number 1-65535, not ${JSON.stringify(port)}`);
    }
  }
  return info as ConnectionInfo;
}
