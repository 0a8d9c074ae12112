// host("juliet"): the setup cell's one call. Says where the kernel runs, shows the topology,
// starts the capture, and returns the views of this host: sockets(), wire(), mark(), topology().
import { execFileSync } from "node:child_process";
import { inspect } from "node:util";
import { hostNames, hosts, ports, type HostName } from "@sockets-typescript/topology";
import { Capture, realtimeUs, type Boundary } from "./capture";
import { display, type Bundle } from "./display";
import { viewBundle } from "./view-bundle";

/** The kernel's views carry no PNG: it would double a wire-view cell's cost (see view-bundle.ts). */
const KERNEL_VIEW = { png: false };
import { ValueError } from "./errors";
import type { Packet } from "./packets";
import { renderTableHtml, renderTableText, type SocketTable } from "./render-table";
import { renderTopologySvg, renderTopologyText } from "./render-topology";
import { renderWireSvg, renderWireText } from "./render-wire";
import { diffRows, experimentRows, ownSocketInodes, parseSs, type Protocol, type SocketRow, type TableRow } from "./ss";
import { locate, whereLines, type Whereabouts } from "./where";

/** What the views may show: the two hosts' packets to each other, never management (ssh) traffic. */
export const CAPTURE_FILTER = `host ${hosts.romeo.address} and host ${hosts.juliet.address} and (tcp or udp or icmp) and not port 22`;

/** CAPTURE_FILTER in TypeScript: what the wire view keeps of everything captured. */
export function isExperimentPacket(packet: Packet): boolean {
  const ends = [packet.src, packet.dst];
  if (!ends.includes(hosts.romeo.address) || !ends.includes(hosts.juliet.address)) return false;
  return packet.protocol === "icmp" || (packet.srcPort !== 22 && packet.dstPort !== 22);
}

/**
 * The packets as wire() returns them: a cell ending with `await here.wire()` has tslab print
 * that value under the drawing, so it prints as one short line (its elements are still there).
 */
function quietArray(packets: Packet[]): Packet[] {
  Object.defineProperty(packets, inspect.custom, {
    value: () => `(${packets.length === 1 ? "1 packet" : `${packets.length} packets`}, as drawn above)`,
    enumerable: false,
  });
  return packets;
}

/** One capture per interface and kernel: running the setup cell again reuses it. */
const captures = new Map<string, Capture>();

function startCapture(iface: string): Capture {
  const running = captures.get(iface);
  if (running && running.state !== "failed") return running;
  // Every frame is captured (no kernel filter: see Capture's flush) and chosen here as CAPTURE_FILTER says.
  const capture = new Capture({ interface: iface, accept: isExperimentPacket, sudo: process.getuid?.() !== 0 });
  captures.set(iface, capture);
  return capture;
}

export interface WireOptions {
  /** Show nothing, only return the packets (benchmarks, tests). */
  quiet?: boolean;
}

export class Here {
  readonly host: HostName;
  readonly where: Whereabouts;
  readonly capture: Capture | null;
  /** Why there is no capture, when there is none. */
  readonly noCapture: string | null;
  /** The flush wait of the last wire() call (ms). */
  lastFlushMs = 0;
  /** The rows of the last socket table, marked. */
  lastTable: TableRow[] = [];
  private windowStart: Boundary;
  private readonly previous = new Map<Protocol, SocketRow[]>();
  private localPorts: number[] = [];

  constructor(host: HostName, where: Whereabouts, private readonly show: (bundle: Bundle) => void) {
    this.host = host;
    this.where = where;
    if (where.host === null || where.interface === null) {
      this.capture = null;
      this.noCapture = `this machine has no address of the topology, so there is no LAN interface to capture on`;
    } else {
      this.capture = startCapture(where.interface);
      this.noCapture = null;
    }
    this.windowStart = this.capture?.boundary() ?? { position: 0, timeUs: realtimeUs() };
  }

  /** The host the views draw as "this host": where the kernel really runs. */
  private get viewHost(): HostName {
    return this.where.host ?? this.host;
  }

  /** The topology picture, this host highlighted with its interface and the ports its sockets use. */
  topology(): void {
    const view = { host: this.where.host, interface: this.where.interface, ports: this.localPorts };
    this.show(viewBundle(renderTopologySvg(view), renderTopologyText(view), KERNEL_VIEW));
  }

  /**
   * This host's sockets on the experiment's addresses and ports, rows changed since the previous
   * call marked. Returns nothing: a cell ending with it shows the table only (tslab prints a
   * cell's last value); the rows are in `lastTable`.
   */
  sockets(protocol: Protocol): void {
    if (protocol !== "udp" && protocol !== "tcp") throw new ValueError(`sockets() takes "udp" or "tcp", not ${JSON.stringify(protocol)}`);
    let output: string;
    try {
      output = execFileSync("ss", ["-H", "-n", "-a", "-e", protocol === "udp" ? "-u" : "-t"], { encoding: "utf8", timeout: 5000, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "ss is not installed on this host (package iproute2)" : `ss failed: ${String((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split("\n")[0]}`;
      this.show({ "text/plain": `socket table: ${reason}` });
      this.lastTable = [];
      return;
    }
    const current = experimentRows(parseSs(output, protocol), {
      addresses: [hosts.romeo.address, hosts.juliet.address],
      ports: [ports.juliet, ports.julietSecond, ports.romeoUnused],
      inodes: ownSocketInodes(),
    });
    const previous = this.previous.get(protocol) ?? null;
    this.previous.set(protocol, current);
    const rows = diffRows(previous, current);
    this.localPorts = [...new Set([...this.previous.values()].flat().map((row) => row.local.port).filter((port): port is number => typeof port === "number"))].sort((a, b) => a - b);
    const table: SocketTable = { host: this.viewHost, protocol, rows, compared: previous !== null };
    this.show({ "text/html": renderTableHtml(table), "text/plain": renderTableText(table) });
    this.lastTable = rows;
  }

  /** Starts a new wire window now: the next wire() shows only packets from here on. */
  mark(): void {
    this.windowStart = this.capture?.boundary() ?? { position: 0, timeUs: realtimeUs() };
  }

  /** The packets this host saw on its LAN interface since the previous wire() or mark(), drawn and returned. */
  async wire(options: WireOptions = {}): Promise<Packet[]> {
    return quietArray(await this.wireWindow(options));
  }

  private async wireWindow(options: WireOptions): Promise<Packet[]> {
    const capture = this.capture;
    if (capture === null || capture.state === "failed") {
      if (!options.quiet) this.show({ "text/plain": `wire: no capture on ${this.viewHost}: ${capture?.problem ?? this.noCapture} (the notebook runs on without the wire view)` });
      return [];
    }
    await capture.started();
    if (capture.state !== "running") return this.wireWindow(options);
    const end = capture.boundary();
    this.lastFlushMs = await capture.flush();
    const { packets, lost, next } = capture.between(this.windowStart, end);
    this.windowStart = next;
    const window = { host: this.viewHost, interface: capture.options.interface, packets, lost };
    if (!options.quiet) this.show(viewBundle(renderWireSvg(window), renderWireText(window), KERNEL_VIEW));
    return packets;
  }
}

/**
 * The setup cell's call: `const here = host("juliet")`. Prints where the kernel runs (a warning
 * naming the right kernel when it is the other host's), shows the topology, starts the capture.
 */
export function host(name: HostName, options: { print?: (text: string) => void; show?: (bundle: Bundle) => void } = {}): Here {
  if (!hostNames.includes(name)) {
    throw new ValueError(`host() takes ${hostNames.map((h) => JSON.stringify(h)).join(" or ")}, not ${JSON.stringify(name)}`);
  }
  const print = options.print ?? ((text: string) => console.log(text));
  const show = options.show ?? ((bundle: Bundle) => void display(bundle, print));
  const where = locate();
  for (const line of whereLines(name, where)) print(line);
  const here = new Here(name, where, show);
  here.topology();
  return here;
}
