// The byte layout of struct sockaddr_in / sockaddr_in6 (Linux), both ways, and how a
// returned address prints: as Python prints a tuple, ('10.10.0.100', 48123).
import { inspect } from "node:util";
import { AF_INET, AF_INET6 } from "./constants";
import * as libc from "./libc";

/** An address as Python's tuple: [host, port] (IPv4) or [host, port, flowinfo, scope_id] (IPv6). */
export type Address = [host: string, port: number, ...rest: number[]];

const dottedQuad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * The 4 bytes of a numeric IPv4 address written as four decimal numbers 0-255 ("10.10.0.101"),
 * or null for anything else (a name, "::1", "300.1.1.1"): what goes straight into a sockaddr
 * without asking the resolver. The one parser of the module (bind/connect/sendto, gethostbyname).
 */
export function parseDottedQuad(host: unknown): Uint8Array | null {
  if (typeof host !== "string") return null;
  const quad = dottedQuad.exec(host);
  if (!quad) return null;
  const parts = quad.slice(1).map(Number);
  return parts.every((part) => part <= 255) ? new Uint8Array(parts) : null;
}

/** Big enough for any sockaddr (struct sockaddr_storage). */
export const SOCKADDR_STORAGE_SIZE = 128;
export const SOCKADDR_IN_SIZE = 16;
export const SOCKADDR_IN6_SIZE = 28;

/** struct sockaddr_in: family (host order), port (network order), 4 address bytes. */
export function sockaddrIn(ip: Uint8Array, port: number): Buffer {
  const sa = Buffer.alloc(SOCKADDR_IN_SIZE);
  sa.writeUInt16LE(AF_INET, 0);
  sa.writeUInt16BE(port, 2);
  sa.set(ip.subarray(0, 4), 4);
  return sa;
}

/** struct sockaddr_in6: family, port, flowinfo (network order), 16 address bytes, scope id (host order). */
export function sockaddrIn6(ip: Uint8Array, port: number, flowinfo: number, scopeId: number): Buffer {
  const sa = Buffer.alloc(SOCKADDR_IN6_SIZE);
  sa.writeUInt16LE(AF_INET6, 0);
  sa.writeUInt16BE(port, 2);
  sa.writeUInt32BE(flowinfo, 4);
  sa.set(ip.subarray(0, 16), 8);
  sa.writeUInt32LE(scopeId, 24);
  return sa;
}

/** Text form of 4 or 16 address bytes (libc inet_ntop, so IPv6 compresses exactly as Python shows it). */
export function addressText(family: number, ip: Uint8Array): string {
  if (family === AF_INET) return `${ip[0]}.${ip[1]}.${ip[2]}.${ip[3]}`;
  const out = Buffer.alloc(64);
  libc.inet_ntop(AF_INET6, ip.subarray(0, 16), out, out.length);
  return out.toString("latin1", 0, out.indexOf(0));
}

// Shared, non-enumerable: the value stays a plain array for destructuring, JSON and deepStrictEqual.
function tupleText(this: (string | number)[]): string {
  return "(" + this.map((part) => (typeof part === "string" ? `'${part}'` : String(part))).join(", ") + ")";
}
const tupleProps: PropertyDescriptorMap = {
  [inspect.custom]: { value: tupleText, enumerable: false },
  toString: { value: tupleText, enumerable: false },
};

/**
 * Gives a returned address Python's tuple look in console.log, a cell's output and String().
 * Frozen, as a Python tuple is immutable: so one address can be handed out many times (below).
 */
export function asTuple(parts: (string | number)[]): Address {
  return Object.freeze(Object.defineProperties(parts, tupleProps)) as unknown as Address;
}

// The last IPv4 address decoded. A receive loop hears the same peer again and again, and making
// the tuple (host text, array, the two printers) costs about as much as the system call itself;
// the tuple is frozen, so handing the same one out again is safe.
let lastInetKey = -1;
let lastInet: Address | undefined;

/** The Python tuple for a sockaddr the kernel filled in (len bytes of buf). */
export function decodeSockaddr(buf: Uint8Array, len: number): Address {
  const family = len >= 2 ? buf[0] | (buf[1] << 8) : 0;
  const port = (buf[2] << 8) | buf[3];
  if (family === AF_INET && len >= SOCKADDR_IN_SIZE) {
    const key = (((buf[4] << 24) | (buf[5] << 16) | (buf[6] << 8) | buf[7]) >>> 0) * 65536 + port;
    if (key !== lastInetKey || lastInet === undefined) {
      lastInet = asTuple([`${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`, port]);
      lastInetKey = key;
    }
    return lastInet;
  }
  if (family === AF_INET6 && len >= SOCKADDR_IN6_SIZE) {
    const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    return asTuple([addressText(AF_INET6, view.subarray(8, 24)), port, view.readUInt32BE(4), view.readUInt32LE(24)]);
  }
  // Unbound or unnamed (e.g. getpeername of a peer-less socket never gets here: the kernel says ENOTCONN).
  return asTuple(family === AF_INET6 ? ["::", 0, 0, 0] : ["0.0.0.0", 0]);
}
