// This host's socket table as `ss -H -n -a -e|-p -t|-u` prints it: parsed, narrowed to the
// experiment's sockets, and compared with the previous look (what is new, changed, gone).
import { readdirSync, readlinkSync } from "node:fs";

export type Protocol = "udp" | "tcp";

export interface Endpoint {
  address: string;
  /** A number, or "*" for an unconnected peer. */
  port: number | "*";
}

export interface SocketRow {
  protocol: Protocol;
  state: string;
  recvQ: number;
  sendQ: number;
  local: Endpoint;
  peer: Endpoint;
  /** Processes holding the socket (ss -p), empty for orphans (e.g. FIN-WAIT-2 after close) and other users' sockets. */
  pids: number[];
  /** The socket's inode (ss -e), 0 for an orphan; null when ss was not asked for it. */
  inode: number | null;
}

/** "10.10.0.101:4000", "[::]:22", "0.0.0.0:*", "127.0.0.53%lo:53". */
export function parseEndpoint(text: string): Endpoint {
  const colon = text.lastIndexOf(":");
  if (colon < 0) return { address: text, port: "*" };
  let address = text.slice(0, colon).replace(/%[^%]*$/, "");
  if (address.startsWith("[") && address.endsWith("]")) address = address.slice(1, -1);
  const port = text.slice(colon + 1);
  return { address, port: port === "*" ? "*" : Number(port) };
}

export const formatEndpoint = (endpoint: Endpoint) =>
  `${endpoint.address.includes(":") ? `[${endpoint.address}]` : endpoint.address}:${endpoint.port}`;

/** The inodes of this process's sockets, from /proc/self/fd ("socket:[12345]"). */
export function ownSocketInodes(): Set<number> {
  const inodes = new Set<number>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match) inodes.add(Number(match[1]));
    } catch {
      // closed meanwhile (readdir's own descriptor)
    }
  }
  return inodes;
}

/** The rows of `ss -H -n -a [-p] [-e] -t|-u` output (no header line). */
export function parseSs(output: string, protocol: Protocol): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const line of output.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5 || !/^\d+$/.test(fields[1]) || !/^\d+$/.test(fields[2])) continue;
    const rest = fields.slice(5).join(" ");
    const pids = [...rest.matchAll(/pid=(\d+)/g)].map((match) => Number(match[1]));
    const inode = /\bino:(\d+)/.exec(rest);
    rows.push({
      protocol, state: fields[0], recvQ: Number(fields[1]), sendQ: Number(fields[2]),
      local: parseEndpoint(fields[3]), peer: parseEndpoint(fields[4]), pids, inode: inode ? Number(inode[1]) : null,
    });
  }
  return rows;
}

export interface ExperimentFilter {
  /** The hosts' addresses (romeo's, juliet's). */
  addresses: readonly string[];
  /** The experiment's well-known ports (4000, 4001, 5000). */
  ports: readonly number[];
  /** This kernel's process: its sockets count even on an ephemeral port of 0.0.0.0 (step U6). */
  pid?: number;
  /** Or this kernel's socket inodes (cheaper than ss -p, which reads every process's fds). */
  inodes?: ReadonlySet<number>;
}

const isLoopback = (address: string) => address.startsWith("127.") || address === "::1";

/** The rows that belong to the experiment: its addresses, its ports, or this kernel's sockets; never loopback. */
export function experimentRows(rows: readonly SocketRow[], filter: ExperimentFilter): SocketRow[] {
  return rows.filter((row) => {
    if (isLoopback(row.local.address) || isLoopback(row.peer.address)) return false;
    const ends = [row.local, row.peer];
    return ends.some((end) => filter.addresses.includes(end.address) || (typeof end.port === "number" && filter.ports.includes(end.port))) ||
      (filter.pid !== undefined && row.pids.includes(filter.pid)) ||
      (filter.inodes !== undefined && row.inode !== null && filter.inodes.has(row.inode));
  });
}

export type Change = "new" | "changed" | "same" | "gone";

export interface TableRow extends SocketRow {
  change: Change;
  /** The previous state or queues, for a changed or gone row, e.g. "SYN-SENT" or "Recv-Q 51". */
  was: string | null;
}

const rowKey = (row: SocketRow) => `${row.protocol} ${formatEndpoint(row.local)} ${formatEndpoint(row.peer)}`;

/**
 * The current rows marked against the previous look; rows that disappeared come last as "gone".
 * Without a previous look (first table) nothing is marked.
 */
export function diffRows(previous: readonly SocketRow[] | null, current: readonly SocketRow[]): TableRow[] {
  if (previous === null) return current.map((row) => ({ ...row, change: "same", was: null }));
  const before = new Map(previous.map((row) => [rowKey(row), row]));
  const now = new Set(current.map(rowKey));
  const marked: TableRow[] = current.map((row) => {
    const old = before.get(rowKey(row));
    if (!old) return { ...row, change: "new", was: null };
    if (old.state !== row.state) return { ...row, change: "changed", was: old.state };
    if (old.recvQ !== row.recvQ || old.sendQ !== row.sendQ) return { ...row, change: "changed", was: `Recv-Q ${old.recvQ}, Send-Q ${old.sendQ}` };
    return { ...row, change: "same", was: null };
  });
  for (const old of previous) if (!now.has(rowKey(old))) marked.push({ ...old, change: "gone", was: old.state });
  return marked;
}
