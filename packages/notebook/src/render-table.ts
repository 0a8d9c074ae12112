// The socket table view: an HTML table (changes highlighted) and the same rows as text, laid
// out like `ss` so a student can compare with a terminal.
import type { HostName } from "@sockets-typescript/topology";
import { formatEndpoint, type Protocol, type TableRow } from "./ss";
import { escapeXml } from "./names";

export interface SocketTable {
  host: HostName;
  protocol: Protocol;
  rows: readonly TableRow[];
  /** True when an earlier table exists to compare with (the first one marks nothing). */
  compared: boolean;
}

const mark = (row: TableRow) =>
  row.change === "new" ? "<- new" : row.change === "changed" ? `<- changed, was ${row.was}` : row.change === "gone" ? `<- gone, was ${row.was}` : "";

function heading(table: SocketTable): string {
  const scope = `${table.protocol.toUpperCase()} sockets on ${table.host} (the experiment's addresses and ports, and this kernel's sockets)`;
  return table.compared ? `${scope}, changes since the previous table marked` : scope;
}

export function renderTableText(table: SocketTable): string {
  const lines = [heading(table) + ":"];
  if (table.rows.length === 0) {
    lines.push(`(no ${table.protocol.toUpperCase()} sockets on the experiment's addresses or ports)`);
    return lines.join("\n");
  }
  lines.push(`${"State".padEnd(11)} ${"Recv-Q".padStart(6)} ${"Send-Q".padStart(6)}  ${"Local Address:Port".padEnd(22)} Peer Address:Port`);
  for (const row of table.rows) {
    const gone = row.change === "gone";
    // A gone row starts with "(gone)", never with a state: a check for "^UNCONN ... :4000" must not find it.
    lines.push(`${(gone ? "(gone)" : row.state).padEnd(11)} ${(gone ? "-" : String(row.recvQ)).padStart(6)} ${(gone ? "-" : String(row.sendQ)).padStart(6)}  ${formatEndpoint(row.local).padEnd(22)} ${formatEndpoint(row.peer).padEnd(22)} ${mark(row)}`.trimEnd() + " ");
  }
  return lines.join("\n");
}

const STYLE: Record<TableRow["change"], string> = {
  new: "background:#d5f5e3",
  changed: "background:#fcf3cf",
  same: "",
  gone: "color:#7f8c8d;text-decoration:line-through",
};

export function renderTableHtml(table: SocketTable): string {
  const cell = (text: string | number, align = "left") => `<td style="text-align:${align};font-family:monospace;padding:2px 8px">${escapeXml(String(text))}</td>`;
  const head = ["State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", ""]
    .map((name) => `<th style="text-align:left;padding:2px 8px">${name}</th>`).join("");
  const body = table.rows.map((row) => {
    const attributes = [
      `class="socket-row socket-${row.change}"`, `data-change="${row.change}"`, `data-state="${escapeXml(row.state)}"`,
      `data-local="${escapeXml(formatEndpoint(row.local))}"`, `data-peer="${escapeXml(formatEndpoint(row.peer))}"`,
      `data-recv-q="${row.recvQ}"`, `data-send-q="${row.sendQ}"`,
    ].join(" ");
    const note = row.change === "same" ? "" : mark(row).replace("<- ", "");
    return `<tr ${attributes} style="${STYLE[row.change]}">${cell(row.state)}${cell(row.recvQ, "right")}${cell(row.sendQ, "right")}${cell(formatEndpoint(row.local))}${cell(formatEndpoint(row.peer))}${cell(note)}</tr>`;
  }).join("");
  const empty = table.rows.length === 0 ? `<tr class="socket-none"><td colspan="6" style="padding:2px 8px">no ${table.protocol.toUpperCase()} sockets on the experiment's addresses or ports</td></tr>` : "";
  return `<table class="sockets-table" data-host="${table.host}" data-protocol="${table.protocol}" style="border-collapse:collapse">` +
    `<caption style="text-align:left;font-weight:bold">${escapeXml(heading(table))}</caption>` +
    `<thead><tr>${head}</tr></thead><tbody>${body}${empty}</tbody></table>`;
}
