// The profile's arithmetic (bench/profile.ts): trace lines (src/host/trace.ts) of one kernel
// start or one cell turned into stages, and the stages' medians as a table. Pure functions:
// test/bench.test.ts checks them on lines a real kernel wrote.
import { readFileSync } from "node:fs";

export interface TraceLine {
  t: number;
  pid: number;
  who: string;
  event: string;
  ms?: number;
  module?: string;
  [key: string]: unknown;
}

export function readTrace(file: string): TraceLine[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter((line) => line.trim() !== "").flatMap((line) => {
    try {
      return [JSON.parse(line) as TraceLine];
    } catch {
      return []; // a line cut by a process killed mid-write
    }
  });
}

/** The first line of `who` with `event` (and, for "loaded", that module). */
function first(lines: readonly TraceLine[], who: string, event: string, module?: string): TraceLine | undefined {
  return lines.find((l) => l.who === who && l.event === event && (module === undefined || l.module === module));
}

/** One stage of a kernel's start: its label and its ms, or undefined when a line is missing. */
export type Stages = [label: string, ms: number | undefined][];

/**
 * A kernel start's stages, from the client's request (`requested`) to the client's kernel_info
 * reply (`ready`) and the end of the first cell (`firstCellEnd`). `kind`: "lab" (launcher ->
 * ip netns exec -> host-kernel -> tslab) or "plain" (Jupyter starts tslab itself).
 */
export function startStages(lines: readonly TraceLine[], kind: "lab" | "plain", requested: number, ready: number, firstCellEnd: number): Stages {
  const at = (who: string, event: string, module?: string) => first(lines, who, event, module)?.t;
  const ms = (who: string, event: string, module?: string) => first(lines, who, event, module)?.ms;
  const d = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : b - a);
  const ts = ms("tslab", "loaded", "typescript");
  const tslab: Stages = [
    ["tslab: node start (spawn -> first line of the preload)", d(kind === "lab" ? at("host-kernel", "spawn-tslab") : at("tslab", "process-start"), at("tslab", "code-start"))],
    ["tslab preload: require of typescript", ts],
    ["tslab preload: the rest (zeromq, hooks)", (() => { const p = d(at("tslab", "code-start"), at("tslab", "preload-done")); return p === undefined || ts === undefined ? p : p - ts; })()],
    ["tslab: its modules (commander, converter, jupyter)", d(at("tslab", "preload-done"), at("tslab", "loaded", "jupyter"))],
    ["tslab: createConverter (TS language service, lib + @types checked)", ms("tslab", "converter-created")],
    ["tslab: executor, zmq sockets until the first bind", d(first(lines, "tslab", "converter-created")?.t, at("tslab", "bind-start"))],
    ["tslab: the five binds", d(at("tslab", "bind-start"), at("tslab", "bound"))],
  ];
  const end: Stages = [
    ["first kernel_info reply -> the client has it", d(at("tslab", "first-send-Router"), ready)],
    ["= kernel ready (request -> kernel_info reply)", ready - requested],
    ["first cell (imports the socket module)", d(ready, firstCellEnd)],
  ];
  if (kind === "plain") {
    return [
      ["Jupyter server: request -> tslab process starts", d(requested, at("tslab", "process-start"))],
      ...tslab,
      ["tslab bound -> first kernel_info reply sent", d(at("tslab", "bound"), at("tslab", "first-send-Router"))],
      ...end,
    ];
  }
  return [
    ["Jupyter server: request -> lab-launcher process starts", d(requested, at("launcher", "process-start"))],
    ["lab-launcher: node start + its modules", d(at("launcher", "process-start"), at("launcher", "code-start"))],
    ["lab-launcher: its code until spawning", d(at("launcher", "code-start"), at("launcher", "spawn-host-kernel"))],
    ["ip netns exec + unshare + sh + exec node", d(at("launcher", "spawn-host-kernel"), at("host-kernel", "process-start"))],
    ["host-kernel: node start + its modules", d(at("host-kernel", "process-start"), at("host-kernel", "code-start"))],
    ["host-kernel: connection info until spawning tslab", d(at("host-kernel", "code-start"), at("host-kernel", "spawn-tslab"))],
    ...tslab,
    ["tslab bound -> host-kernel serves the relays (probes, settle)", d(at("tslab", "bound"), at("host-kernel", "relays-served"))],
    ["relays served -> first kernel_info reply sent", d(at("host-kernel", "relays-served"), at("tslab", "first-send-Router"))],
    ...end,
  ];
}

export interface CellTimes {
  /** The client's send -> its execute_reply. */
  totalMs: number;
  /** tslab's convert: compile and type check. */
  compileMs: number;
  /** The cell's own run: after its compile until its promise settled. */
  runMs: number;
  /** Outside the kernel's execute: Jupyter, websocket, ZeroMQ, relays. */
  outsideMs: number;
}

/** The in-kernel parts of cells: one {exec-start, converted, exec-end} per cell, in order. */
export function cellParts(lines: readonly TraceLine[], pid?: number): { compileMs: number; runMs: number; execMs: number; start: number; end: number }[] {
  const out: { compileMs: number; runMs: number; execMs: number; start: number; end: number }[] = [];
  let start: number | undefined;
  let compile = 0;
  for (const l of lines) {
    if (l.who !== "tslab" || (pid !== undefined && l.pid !== pid)) continue;
    if (l.event === "exec-start") {
      start = l.t;
      compile = 0;
    } else if (l.event === "converted" && start !== undefined) compile += l.ms ?? 0;
    else if (l.event === "exec-end" && start !== undefined) {
      out.push({ compileMs: compile, runMs: l.t - start - compile, execMs: l.t - start, start, end: l.t });
      start = undefined;
    }
  }
  return out;
}

export const median = (values: readonly number[]): number => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
};

/** Rows of medians: `columns` are the kinds (each a list of runs' stages with the same labels, in order). */
export function stageTable(columns: { title: string; runs: Stages[] }[]): string[] {
  const labels: string[] = [];
  for (const column of columns) for (const run of column.runs) for (const [label] of run) if (!labels.includes(label)) labels.push(label);
  const width = Math.max(...labels.map((l) => l.length));
  const cell = (column: { runs: Stages[] }, label: string) => {
    const values = column.runs.map((run) => run.find(([l]) => l === label)?.[1]).filter((v): v is number => v !== undefined);
    return values.length === 0 ? "-" : median(values).toFixed(1);
  };
  return [
    `  ${"stage (median ms)".padEnd(width)} ${columns.map((c) => c.title.padStart(14)).join(" ")}`,
    ...labels.map((label) => `  ${label.padEnd(width)} ${columns.map((c) => cell(c, label).padStart(14)).join(" ")}`),
  ];
}
