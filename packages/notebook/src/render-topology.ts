// The topology picture: romeo -- LAN -- juliet from topology.json, this host highlighted with
// its LAN interface and, where known, the experiment ports it uses.
import { hosts, network, type HostName } from "@sockets-typescript/topology";
import { escapeXml } from "./names";

export interface TopologyView {
  /** The host this kernel runs on, or null when it is neither (the views then highlight nothing). */
  host: HostName | null;
  /** This host's LAN interface, e.g. "lan0" (null when not found). */
  interface: string | null;
  /** Local ports of this host's experiment sockets, from the last socket table (empty when none known). */
  ports?: readonly number[];
}

function label(view: TopologyView, name: HostName): string {
  const here = view.host === name;
  const details = [hosts[name].address];
  if (here && view.interface) details.push(view.interface);
  if (here && view.ports?.length) details.push(`ports ${view.ports.join(", ")}`);
  return `${name} (${details.join(", ")})${here ? " <- this kernel" : ""}`;
}

export function renderTopologyText(view: TopologyView): string {
  return `topology: ${label(view, "romeo")} --- LAN ${network.subnet} --- ${label(view, "juliet")}`;
}

export function renderTopologySvg(view: TopologyView): string {
  const width = 760;
  const height = 150;
  const box = (name: HostName, x: number) => {
    const here = view.host === name;
    const lines = [hosts[name].address, `${hosts[name].role}${here && view.interface ? `, ${view.interface}` : ""}`];
    if (here && view.ports?.length) lines.push(`ports ${view.ports.join(", ")}`);
    return `<g class="topology-host${here ? " topology-host-here" : ""}" data-host="${name}" data-address="${hosts[name].address}"${here && view.interface ? ` data-interface="${escapeXml(view.interface)}"` : ""}>` +
      `<rect x="${x}" y="30" width="200" height="92" rx="8" fill="${here ? "#fdebd0" : "#f4f6f7"}" stroke="${here ? "#d35400" : "#7f8c8d"}" stroke-width="${here ? 3 : 1}"/>` +
      `<text x="${x + 100}" y="54" text-anchor="middle" font-weight="bold" font-size="16">${name}${here ? " (this kernel)" : ""}</text>` +
      lines.map((line, i) => `<text x="${x + 100}" y="${76 + i * 18}" text-anchor="middle" font-size="13">${escapeXml(line)}</text>`).join("") +
      `</g>`;
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" class="sockets-topology" data-host="${view.host ?? ""}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">` +
    `<title>${escapeXml(renderTopologyText(view))}</title>` +
    `<rect width="${width}" height="${height}" fill="white"/>` +
    `<line x1="220" y1="76" x2="540" y2="76" stroke="#2c3e50" stroke-width="4"/>` +
    `<g class="topology-lan" data-subnet="${network.subnet}"><rect x="310" y="58" width="140" height="36" rx="18" fill="#eaf2f8" stroke="#2c3e50"/>` +
    `<text x="380" y="81" text-anchor="middle" font-size="13">LAN ${network.subnet}</text></g>` +
    box("romeo", 20) + box("juliet", 540) + `</svg>`;
}
