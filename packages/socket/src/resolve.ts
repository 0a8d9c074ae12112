// Name resolution through libc's getaddrinfo, as Python's socket module does: names from
// /etc/hosts ("juliet") resolve without DNS; failures are gaierror with gai_strerror's text.
import * as os from "node:os";
import { toCInt, toHostString, toInteger } from "./args";
import { pythonTypeName } from "./bytes";
import { AF_INET, AF_UNSPEC, AI_NUMERICHOST, EAI_NONAME, EAI_SYSTEM } from "./constants";
import { OSError, fromErrno, gaierror, typeError } from "./errors";
import * as libc from "./libc";
import { Address, addressText, decodeSockaddr, parseDottedQuad } from "./sockaddr";

/** One getaddrinfo result: Python's (family, type, proto, canonname, sockaddr). */
export type AddrInfoEntry = [family: number, type: number, proto: number, canonname: string, sockaddr: Address];

interface RawEntry {
  family: number;
  type: number;
  proto: number;
  canonname: string;
  sockaddr: Uint8Array;
}

function lookup(host: string | null, service: string | null, family: number, type: number, proto: number, flags: number): RawEntry[] {
  const res: unknown[] = [null];
  const hints = { ai_flags: flags, ai_family: family, ai_socktype: type, ai_protocol: proto, ai_addrlen: 0, ai_addr: null, ai_canonname: null, ai_next: null };
  const rc = libc.getaddrinfo(host, service, hints, res);
  const savedErrno = libc.errno();
  if (rc !== 0) {
    if (rc === EAI_SYSTEM) throw fromErrno(savedErrno);
    throw new gaierror(rc);
  }
  const entries: RawEntry[] = [];
  try {
    for (let node = res[0]; node; ) {
      const { info, sockaddr } = libc.readAddrInfo(node);
      entries.push({ family: info.ai_family, type: info.ai_socktype, proto: info.ai_protocol, canonname: info.ai_canonname ?? "", sockaddr });
      node = info.ai_next;
    }
  } finally {
    libc.freeaddrinfo(res[0]);
  }
  return entries;
}

/**
 * getaddrinfo(host, port, family=0, type=0, proto=0, flags=0), as in Python:
 * a list of [family, type, proto, canonname, sockaddr].
 */
export function getaddrinfo(host: string | null, port: string | number | null, family: number = AF_UNSPEC, type = 0, proto = 0, flags = 0): AddrInfoEntry[] {
  if (host !== null && host !== undefined) toHostString(host);
  let service: string | null;
  if (port === null || port === undefined) service = null;
  else if (typeof port === "string") service = toHostString(port, "port");
  else if (typeof port === "number" || typeof port === "bigint") service = String(toInteger(port));
  else throw new OSError("Int or String expected");
  return lookup(host ?? null, service, toCInt(family), toCInt(type), toCInt(proto), toCInt(flags)).map((e) =>
    [e.family, e.type, e.proto, e.canonname, decodeSockaddr(e.sockaddr, e.sockaddr.length)] as AddrInfoEntry);
}

/** A host's address bytes for one family: 4 bytes (IPv4) or 16 bytes plus scope id (IPv6). */
export function resolveHost(host: string, family: number): { ip: Uint8Array; scopeId: number } {
  // Numeric addresses never touch the resolver; names go through getaddrinfo (files, then DNS).
  let entries: RawEntry[];
  try {
    entries = lookup(host, null, family, 0, 0, AI_NUMERICHOST);
  } catch (err) {
    if (!(err instanceof gaierror) || err.errno !== EAI_NONAME) throw err;
    entries = lookup(host, null, family, 0, 0, 0);
  }
  const entry = entries.find((e) => e.family === family);
  if (!entry) throw new gaierror(EAI_NONAME);
  const view = Buffer.from(entry.sockaddr.buffer, entry.sockaddr.byteOffset, entry.sockaddr.byteLength);
  if (family === AF_INET) return { ip: new Uint8Array(view.subarray(4, 8)), scopeId: 0 };
  return { ip: new Uint8Array(view.subarray(8, 24)), scopeId: view.readUInt32LE(24) };
}

/** gethostbyname(host): the IPv4 address text of a name, e.g. "juliet" -> "10.10.0.101". */
export function gethostbyname(host: string): string {
  if (typeof host !== "string") throw typeError(`gethostbyname() argument 1 must be str, not ${pythonTypeName(host)}`);
  toHostString(host);
  if (host === "") return "0.0.0.0";
  return addressText(AF_INET, parseDottedQuad(host) ?? resolveHost(host, AF_INET).ip);
}

/** gethostname(): this host's name (the UTS name: "romeo" inside the lab's namespace). */
export function gethostname(): string {
  return os.hostname();
}
