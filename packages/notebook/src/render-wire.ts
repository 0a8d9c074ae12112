// The wire view: the packets of one window as text (one line each, for the runner and a
// terminal) and as an SVG sequence diagram between romeo and juliet (for the notebook).
import { hosts, type HostName } from "@sockets-typescript/topology";
import type { Packet } from "./packets";
import { endpoint, escapeXml, hostOf, payloadPreview } from "./names";

export interface WireWindow {
  /** Whose capture: the host the kernel runs on. */
  host: HostName;
  /** The capture's interface, e.g. "lan0". */
  interface: string;
  packets: readonly Packet[];
  /** Packets of this window the bounded ring dropped before they were shown. */
  lost?: number;
}

/** Arrows drawn at most; a longer window shows its first and last ones and says how many are left out. */
export const MAX_DRAWN = 80;
const HEAD = 60;

/** The packet's details after the protocol, e.g. "[SYN, ACK] seq=0 ack=1 win=65160". */
export function packetSummary(packet: Packet): string {
  switch (packet.protocol) {
    case "tcp": {
      const parts = [`TCP [${packet.flags.join(", ")}]`, `seq=${packet.relSeq}`];
      if (packet.relAck !== null) parts.push(`ack=${packet.relAck}`);
      parts.push(`win=${packet.window}`);
      if (packet.payloadLength > 0) parts.push(`len=${packet.payloadLength}`, payloadPreview(packet.payload, packet.payloadLength));
      return parts.join(" ");
    }
    case "udp":
      return `UDP length=${packet.udpLength} (${packet.payloadLength} bytes) ${payloadPreview(packet.payload, packet.payloadLength)}`;
    case "icmp": {
      const about = packet.about;
      const quoted = about ? ` (about ${about.protocol.toUpperCase()} ${endpoint(about.src, about.srcPort)} -> ${endpoint(about.dst, about.dstPort)})` : "";
      return `ICMP ${packet.description}${quoted}`;
    }
  }
}

const ports = (packet: Packet) => (packet.protocol === "icmp" ? { srcPort: null, dstPort: null } : packet);

/** "romeo:41234 -> juliet:4000  TCP [SYN] seq=0 win=64240". */
export function packetLine(packet: Packet): string {
  const { srcPort, dstPort } = ports(packet);
  return `${endpoint(packet.src, srcPort)} -> ${endpoint(packet.dst, dstPort)}  ${packetSummary(packet)}`;
}

/** Which packets are drawn, with a gap marker where some are left out. */
function drawn(packets: readonly Packet[]): (Packet | { skipped: number })[] {
  if (packets.length <= MAX_DRAWN) return [...packets];
  const tail = MAX_DRAWN - HEAD;
  return [...packets.slice(0, HEAD), { skipped: packets.length - MAX_DRAWN }, ...packets.slice(-tail)];
}

const ms = (us: number) => `+${(us / 1000).toFixed(3)} ms`;

function title(window: WireWindow): string {
  const count = window.packets.length;
  return `wire on ${window.host} (${window.interface}): ${count === 0 ? "no packets" : count === 1 ? "1 packet" : `${count} packets`} since the previous view`;
}

export function renderWireText(window: WireWindow): string {
  const lines = [title(window) + (window.packets.length ? ":" : "")];
  if (window.lost) lines.push(`  (${window.lost} earlier packets of this window were dropped from the capture's memory)`);
  const start = window.packets[0]?.timeUs ?? 0;
  let index = 0;
  for (const item of drawn(window.packets)) {
    if ("skipped" in item) {
      lines.push(`  ... ${item.skipped} packets not shown ...`);
      index += item.skipped;
      continue;
    }
    index += 1;
    lines.push(`  ${String(index).padStart(3)}  ${ms(item.timeUs - start).padStart(12)}  ${packetLine(item)}`);
  }
  return lines.join("\n");
}

const COLORS = { tcp: "#1f5fbf", rst: "#c0392b", udp: "#1e8449", icmp: "#d35400" };
const WIDTH = 840;
const LEFT = 210;
const RIGHT = 720;
const TOP = 78;
const ROW = 38;

function arrowColor(packet: Packet): string {
  if (packet.protocol === "tcp") return packet.flags.includes("RST") ? COLORS.rst : COLORS.tcp;
  return COLORS[packet.protocol];
}

function dataAttributes(packet: Packet, index: number): string {
  const { srcPort, dstPort } = ports(packet);
  const attributes: Record<string, string | number> = {
    "data-index": index, "data-proto": packet.protocol, "data-from": hostOf(packet.src), "data-to": hostOf(packet.dst),
    "data-src": endpoint(packet.src, srcPort), "data-dst": endpoint(packet.dst, dstPort),
  };
  if (packet.protocol === "tcp") {
    Object.assign(attributes, { "data-flags": packet.flags.join(","), "data-seq": packet.relSeq, "data-len": packet.payloadLength });
    if (packet.relAck !== null) attributes["data-ack"] = packet.relAck;
  } else if (packet.protocol === "udp") {
    Object.assign(attributes, { "data-len": packet.payloadLength, "data-udp-length": packet.udpLength });
  } else attributes["data-icmp"] = packet.description;
  return Object.entries(attributes).map(([key, value]) => `${key}="${escapeXml(String(value))}"`).join(" ");
}

/** The side of the diagram an address is drawn on: romeo left, juliet right, others by subnet order. */
function sideOf(address: string): number {
  if (address === hosts.romeo.address) return LEFT;
  if (address === hosts.juliet.address) return RIGHT;
  return address < hosts.juliet.address ? LEFT : RIGHT;
}

function lifelineHeader(name: HostName, x: number, here: boolean, interfaceName: string): string {
  const fill = here ? "#fdebd0" : "#f4f6f7";
  const stroke = here ? "#d35400" : "#7f8c8d";
  const note = here ? ` (this host, ${interfaceName})` : "";
  return `<g class="wire-host${here ? " wire-host-here" : ""}" data-host="${name}">` +
    `<rect x="${x - 100}" y="12" width="200" height="44" rx="6" fill="${fill}" stroke="${stroke}" stroke-width="${here ? 2 : 1}"/>` +
    `<text x="${x}" y="31" text-anchor="middle" font-weight="bold">${name}${escapeXml(note)}</text>` +
    `<text x="${x}" y="48" text-anchor="middle" font-size="12">${hosts[name].address}</text></g>`;
}

export function renderWireSvg(window: WireWindow): string {
  const items = drawn(window.packets);
  const rows = Math.max(items.length, 1);
  const height = TOP + rows * ROW + 28;
  const start = window.packets[0]?.timeUs ?? 0;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="sockets-wire" data-host="${window.host}" data-packets="${window.packets.length}" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="13">`,
    `<title>${escapeXml(title(window))}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<line x1="${LEFT}" y1="56" x2="${LEFT}" y2="${height - 20}" stroke="#95a5a6" stroke-dasharray="4 4"/>`,
    `<line x1="${RIGHT}" y1="56" x2="${RIGHT}" y2="${height - 20}" stroke="#95a5a6" stroke-dasharray="4 4"/>`,
    lifelineHeader("romeo", LEFT, window.host === "romeo", window.interface),
    lifelineHeader("juliet", RIGHT, window.host === "juliet", window.interface),
    `<text x="8" y="${TOP - 8}" font-size="11" fill="#7f8c8d">time</text>`,
  ];
  if (window.packets.length === 0) {
    parts.push(`<text class="wire-empty" x="${(LEFT + RIGHT) / 2}" y="${TOP + 20}" text-anchor="middle" fill="#7f8c8d">no packets since the previous view</text>`);
  }
  let index = 0;
  items.forEach((item, row) => {
    const y = TOP + row * ROW + 24;
    if ("skipped" in item) {
      parts.push(`<text class="wire-skipped" x="${(LEFT + RIGHT) / 2}" y="${y}" text-anchor="middle" fill="#7f8c8d">... ${item.skipped} packets not drawn ...</text>`);
      index += item.skipped;
      return;
    }
    index += 1;
    const from = sideOf(item.src);
    const to = sideOf(item.dst) === from ? (from === LEFT ? RIGHT : LEFT) : sideOf(item.dst);
    const color = arrowColor(item);
    const direction = to > from ? 1 : -1;
    const tip = to - direction * 2;
    const { srcPort, dstPort } = ports(item);
    const label = packetSummary(item).replace(/^(TCP|UDP|ICMP) /, "");
    const protocolLabel = item.protocol.toUpperCase();
    parts.push(
      `<g class="wire-packet wire-${item.protocol}" ${dataAttributes(item, index)}>`,
      // The whole line on hover (the label above the arrow may be cut short).
      `<title>${escapeXml(packetLine(item))}</title>`,
      `<text x="8" y="${y + 4}" font-size="11" fill="#7f8c8d">${escapeXml(ms(item.timeUs - start))}</text>`,
      `<line x1="${from}" y1="${y}" x2="${tip - direction * 8}" y2="${y}" stroke="${color}" stroke-width="2"/>`,
      `<polygon points="${tip},${y} ${tip - direction * 10},${y - 5} ${tip - direction * 10},${y + 5}" fill="${color}"/>`,
      `<text x="${(LEFT + RIGHT) / 2}" y="${y - 6}" text-anchor="middle" fill="${color}"><tspan font-weight="bold">${protocolLabel}</tspan> ${escapeXml(label.length > 58 ? label.slice(0, 55) + "..." : label)}</text>`,
    );
    if (srcPort !== null) parts.push(`<text x="${from + direction * -6}" y="${y + 4}" text-anchor="${direction > 0 ? "end" : "start"}" font-size="12">${srcPort}</text>`);
    if (dstPort !== null) parts.push(`<text x="${to + direction * 6}" y="${y + 4}" text-anchor="${direction > 0 ? "start" : "end"}" font-size="12">${dstPort}</text>`);
    parts.push("</g>");
  });
  if (window.lost) parts.push(`<text x="8" y="${height - 6}" font-size="11" fill="#c0392b">${window.lost} earlier packets were dropped from the capture's memory</text>`);
  parts.push("</svg>");
  return parts.join("");
}
