// The connection info's rules, one set for every launcher: host-kernel (the first stdin line),
// lab-launcher (Jupyter's connection file) and, in Python, testbeds/kernels/ssh_kernel_launcher.py
// (parse_connection_info). test/fixtures/connection-vectors.json holds the cases both must accept
// or refuse with the same words. The rules are what tslab and the relays can really serve:
//  - transport "tcp", stated: tslab binds tcp://ip:port (no ipc);
//  - ip exactly "127.0.0.1": tslab binds that address, and the relays (lab unix sockets, ssh -L)
//    listen on IPv4 loopback only; "localhost" may resolve to ::1 for Jupyter's client (no answer
//    there) and is not an address zeromq binds to;
//  - key a non-empty string, signature_scheme "hmac-sha256": tslab signs and checks every message
//    with HMAC-SHA256 of that key; with an empty key Jupyter sends unsigned messages that tslab refuses;
//  - five port numbers 1-65535, all different (two channels on one port: tslab's bind fails).
// Anything else (kernel_name, ...) is passed on untouched.
import { SocketsError } from "../common/errors";
import { CHANNELS, type ConnectionInfo } from "./protocol";

export { CHANNELS, portOf, type Channel, type ConnectionInfo } from "./protocol";

/** Connection info that breaks a rule; the message says which, in the words both languages use. */
export class ConnectionInfoError extends SocketsError<"ERR_CONNECTION_INFO"> {
  constructor(message: string) {
    super("ERR_CONNECTION_INFO", message);
  }
}

/** A value as the messages show it: its JSON, or "missing". */
function shown(value: unknown): string {
  return value === undefined ? "missing" : JSON.stringify(value);
}

const refuse = (message: string): never => {
  throw new ConnectionInfoError(message);
};

/** Parses and checks connection info; throws a ConnectionInfoError whose message says what is wrong. */
export function parseConnectionInfo(text: string): ConnectionInfo {
  let info: unknown;
  try {
    info = JSON.parse(text);
  } catch {
    return refuse("connection info is not JSON");
  }
  if (info === null || typeof info !== "object" || Array.isArray(info)) return refuse("connection info is not a JSON object");
  const fields = info as Record<string, unknown>;
  if (fields.transport !== "tcp") refuse(`connection info: transport must be "tcp", not ${shown(fields.transport)}`);
  if (fields.ip !== "127.0.0.1") refuse(`connection info: ip must be "127.0.0.1" (kernels listen on IPv4 loopback only), not ${shown(fields.ip)}`);
  if (typeof fields.key !== "string" || fields.key === "") refuse(`connection info: key must be a non-empty string (tslab signs every message with it), not ${shown(fields.key)}`);
  if (fields.signature_scheme !== "hmac-sha256") refuse(`connection info: signature_scheme must be "hmac-sha256" (the only one tslab signs with), not ${shown(fields.signature_scheme)}`);
  const seen = new Map<number, string>();
  for (const channel of CHANNELS) {
    const name = `${channel}_port`;
    const port = fields[name];
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
      refuse(`connection info: ${name} must be a port number 1-65535, not ${shown(port)}`);
    }
    const before = seen.get(port as number);
    if (before) refuse(`connection info: ${name} is ${port}, as ${before} is: each channel needs its own port`);
    seen.set(port as number, name);
  }
  return info as ConnectionInfo;
}
