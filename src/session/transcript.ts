// The transcript: what ran where, in which step, and what it printed.
import { writeFileSync } from "node:fs";
import type { TranscriptEntry } from "./cell-recorder";

const indent = (text: string, mark: string) =>
  text.trimEnd().split("\n").map((line) => `  ${mark} ${line}`).join("\n");

/** One cell as the transcript shows it: header, code, output. */
export function formatEntry(entry: TranscriptEntry, total: number): string {
  const note = entry.raisesException ? (entry.status === "error" ? "  (fails on purpose)" : "  (was expected to fail)") : entry.status !== "ok" ? `  (${entry.status.toUpperCase()})` : "";
  const waited = entry.waitsForPeer ? "  (waited for the other host)" : "";
  const parts = [`[${String(entry.index).padStart(2)}/${total}] ${entry.host.padEnd(6)} ${entry.step.padEnd(5)} cell ${entry.position}, ${entry.ms} ms${note}${waited}`];
  parts.push(indent(entry.code, "|"));
  if (entry.stdout.trim()) parts.push(indent(entry.stdout, ">"));
  if (entry.stderr.trim()) parts.push(indent(entry.stderr, "!"));
  return parts.join("\n");
}

export function writeJson(file: string, data: unknown): void {
  writeFileSync(file, JSON.stringify(data, null, 2) + "\n");
}

/** The median of some durations (0 for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : Math.round((sorted[middle - 1] + sorted[middle]) / 2);
}
