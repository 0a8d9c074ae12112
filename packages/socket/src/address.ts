// Python's address tuples -> struct sockaddr, with Python's checks and words:
// shape (TypeError), port range (OverflowError "bind(): port must be 0-65535."), host
// ("" = any, "<broadcast>", a numeric address or a name resolved through getaddrinfo).
import { toHostString, toInteger, toUInt32 } from "./args";
import { pythonTypeName } from "./bytes";
import { AF_INET, AF_INET6 } from "./constants";
import { OverflowError, gaierror, typeError } from "./errors";
import { resolveHost } from "./resolve";
import { parseDottedQuad, sockaddrIn, sockaddrIn6 } from "./sockaddr";

/** What a call accepts as an address: Python's tuple as an array, e.g. ["10.10.0.101", 4000]. */
export type AddressInput = readonly (string | number)[];

function checkPort(value: unknown, call: string): number {
  const port = toInteger(value);
  if (port < 0 || port > 0xffff) throw new OverflowError(`${call}(): port must be 0-65535.`);
  return port;
}

function ipv4Bytes(host: string): Uint8Array {
  if (host === "") return new Uint8Array([0, 0, 0, 0]);
  if (host === "<broadcast>") return new Uint8Array([255, 255, 255, 255]);
  return parseDottedQuad(host) ?? resolveHost(host, AF_INET).ip;
}

/** The sockaddr for an address tuple of this socket family; `call` names the method in errors. */
export function encodeAddress(family: number, addr: unknown, call: string): Buffer {
  if (family === AF_INET) {
    if (!Array.isArray(addr)) throw typeError(`AF_INET address must be tuple, not ${pythonTypeName(addr)}`);
    if (addr.length !== 2) throw typeError("AF_INET address must be a pair (host, port)");
    const host = toHostString(addr[0]);
    const port = checkPort(addr[1], call);
    return sockaddrIn(ipv4Bytes(host), port);
  }
  if (family === AF_INET6) {
    if (!Array.isArray(addr)) throw typeError(`AF_INET6 address must be tuple, not ${pythonTypeName(addr)}`);
    if (addr.length < 2 || addr.length > 4) throw typeError("AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])");
    const host = toHostString(addr[0]);
    const port = checkPort(addr[1], call);
    const flowinfo = addr.length > 2 ? toInteger(addr[2]) : 0;
    if (flowinfo < 0 || flowinfo > 0xfffff) throw new OverflowError(`${call}(): flowinfo must be 0-1048575.`);
    let scopeId = addr.length > 3 ? toUInt32(addr[3], `${call}(): scope_id must be 0-4294967295.`) : 0;
    let ip: Uint8Array;
    if (host === "") ip = new Uint8Array(16);
    else if (host === "<broadcast>") throw new gaierror(-9, "address family for hostname not supported");
    else {
      const resolved = resolveHost(host, AF_INET6);
      ip = resolved.ip;
      if (scopeId === 0) scopeId = resolved.scopeId;
    }
    return sockaddrIn6(ip, port, flowinfo, scopeId);
  }
  throw new OverflowError(`${call}(): unsupported address family ${family}`);
}
