// Addresses as the views print them: the topology's host names (romeo, juliet) instead of
// numbers, and bytes the way the socket module prints them (b'...').
import { hosts, hostNames, type HostName } from "@sockets-typescript/topology";

/** "romeo" for 10.10.0.100, the address itself for any other. */
export function hostOf(address: string): string {
  return hostNames.find((name) => hosts[name].address === address) ?? address;
}

export function endpoint(address: string, port: number | null): string {
  return port === null ? hostOf(address) : `${hostOf(address)}:${port}`;
}

/** Python's repr of bytes: b'Hello', b"What's", \x00 escapes. */
export function bytesRepr(data: Buffer): string {
  const quote = data.includes(0x27) && !data.includes(0x22) ? '"' : "'";
  let body = "";
  for (const byte of data) {
    if (byte === 0x5c) body += "\\\\";
    else if (byte === quote.charCodeAt(0)) body += `\\${quote}`;
    else if (byte === 0x0a) body += "\\n";
    else if (byte === 0x0d) body += "\\r";
    else if (byte === 0x09) body += "\\t";
    else if (byte >= 0x20 && byte < 0x7f) body += String.fromCharCode(byte);
    else body += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `b${quote}${body}${quote}`;
}

/** The first bytes of a payload, with "..." when there is more (captured or not). */
export function payloadPreview(payload: Buffer, length: number, max = 24): string {
  const shown = payload.subarray(0, max);
  return bytesRepr(shown) + (length > shown.length ? "..." : "");
}

export const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

export type { HostName };
