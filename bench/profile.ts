// Where a kernel's start and a cell's time go (issue 20), measured from timestamps: with
// SOCKETS_TRACE_FILE set (src/host/trace.ts) the launcher, host-kernel and tslab's preload each
// write a line per stage on one shared clock, and this part subtracts them. One Jupyter server,
// one run, kernels started in turn (rounds interleaved):
//   ts-juliet         the lab's host kernel as students get it (quick start: compile cache, "listening")
//   ts-juliet before  the same with SOCKETS_KERNEL_QUICK_START=0 (probes + settle, no compile cache)
//   plain tslab       Jupyter starts tslab itself (with the preload, for its trace lines), no launcher
//   python            the server's ipykernel, the yardstick
// Then each kernel's cells: a trivial cell's time split into the way there and back (Jupyter,
// websocket, ZeroMQ, relays), tslab's compile + type check and the cell's own run; and on
// juliet the views: socket table, wire view (its flush wait, the rest: reading, drawing, display).
//   node dist/bench/profile.js        (root: the lab's namespaces; also part of npm run bench)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { KernelManager, type Kernel, type KernelMessage } from "@jupyterlab/services";
import { JULIET, ROMEO, ports } from "@sockets-typescript/topology";
import { Lab } from "../src/lab/lab";
import { notebooksDir } from "../src/common/paths";
import { startJupyter, type JupyterServer } from "../src/jupyter/server";
import { untilHostsIdle } from "../src/session/lab-session";
import { TRACE_ENV, traceNow } from "../src/host/trace";
import { CELL_MS, KERNEL_START_MS, SHUTDOWN_MS, deadline } from "./deadlines";
import { runStandalone } from "./standalone";
import { cellParts, median, readTrace, stageTable, startStages, type Stages } from "./trace-stages";

type Kind = "ts-juliet" | "ts-juliet-before" | "tslab-plain" | "python3";
const KINDS: Kind[] = ["ts-juliet", "ts-juliet-before", "tslab-plain", "python3"];
const TITLES: Record<Kind, string> = { "ts-juliet": "ts-juliet", "ts-juliet-before": "before", "tslab-plain": "plain tslab", python3: "python" };
const TRIVIAL_CELLS = 15;
const VIEW_ROUNDS = 10;

async function execute(kernel: Kernel.IKernelConnection, code: string, signal?: AbortSignal): Promise<string> {
  let out = "";
  const future = kernel.requestExecute({ code });
  future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    const content = msg.content as Record<string, any>;
    if (msg.header.msg_type === "stream") out += content.text;
    if (msg.header.msg_type === "error") out += `${content.ename}: ${content.evalue}`;
  };
  const reply = (await deadline(future.done, CELL_MS, `kernel ${kernel.name} to run ${JSON.stringify(code.split("\n")[0])}`, signal)) as KernelMessage.IExecuteReplyMsg;
  if (reply.content.status !== "ok") throw new Error(`${kernel.name}: cell failed: ${code.split("\n")[0]}: ${out.trim()}`);
  return out;
}

export interface Profile {
  starts: Record<Kind, Stages[]>;
  /** Per kind: trivial cells' client time and in-kernel parts. */
  cells: Record<Kind, { totalMs: number[]; compileMs: number[]; runMs: number[] }>;
  views: { plainMs: number[]; viewsMs: number[]; plainCompileMs: number[]; plainRunMs: number[]; viewsRunMs: number[]; compileMs: number[]; tableMs: number[]; flushMs: number[]; wireRestMs: number[] };
  lines: string[];
}

function tslabEntry(): string {
  return join(dirname(require.resolve("tslab/package.json")), "bin", "tslab");
}

/** The extra kernelspecs: the host kernel the old way, and tslab as Jupyter would start it without the lab. */
function extraKernelspecs(lab: Lab): Record<string, object> {
  const preload = join(__dirname, "..", "src", "host", "tslab-preload.js");
  return {
    "ts-juliet-before": {
      argv: [process.execPath, join(__dirname, "..", "src", "host", "lab-launcher.js"), "juliet", "{connection_file}"],
      display_name: "TypeScript on juliet (no quick start)",
      language: "typescript",
      interrupt_mode: "signal",
      env: { SOCKETS_LAB_PREFIX: lab.prefix, SOCKETS_KERNEL_QUICK_START: "0" },
    },
    "tslab-plain": {
      argv: [process.execPath, "--require", preload, tslabEntry(), "kernel", "--config-path", "{connection_file}"],
      display_name: "plain tslab",
      language: "typescript",
      interrupt_mode: "signal",
      env: { SOCKETS_KERNEL_QUICK_START: "0" },
    },
  };
}

const firstCell: Record<Kind, string> = {
  "ts-juliet": `import * as socket from "@sockets-typescript/socket";\nconst s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);`,
  "ts-juliet-before": `import * as socket from "@sockets-typescript/socket";\nconst s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);`,
  "tslab-plain": `import * as socket from "@sockets-typescript/socket";\nconst s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);`,
  python3: `import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)`,
};

export async function measureProfile(log: (line: string) => void = console.log, signal?: AbortSignal, options: { rounds?: number; prefix?: string } = {}): Promise<Profile> {
  const rounds = options.rounds ?? 4;
  const lab = new Lab({ prefix: options.prefix ?? "bp-" });
  const scratch = mkdtempSync(join(tmpdir(), "sockets-profile-"));
  const traceFile = join(scratch, "trace.jsonl");
  writeFileSync(traceFile, "");
  let server: JupyterServer | undefined;
  let kernels: KernelManager | undefined;
  const starts = Object.fromEntries(KINDS.map((k) => [k, [] as Stages[]])) as Record<Kind, Stages[]>;
  const cells = Object.fromEntries(KINDS.map((k) => [k, { totalMs: [] as number[], compileMs: [] as number[], runMs: [] as number[] }])) as Profile["cells"];
  const views: Profile["views"] = { plainMs: [], viewsMs: [], plainCompileMs: [], plainRunMs: [], viewsRunMs: [], compileMs: [], tableMs: [], flushMs: [], wireRestMs: [] };
  const before = process.env[TRACE_ENV];
  const debug = console.debug;
  console.debug = () => {}; // @jupyterlab/services announces every websocket on console.debug
  try {
    await lab.up(undefined, signal);
    // The server hands its environment to every kernel it starts: the whole chain traces.
    process.env[TRACE_ENV] = traceFile;
    try {
      server = await startJupyter({ notebookDir: notebooksDir, lab, pythonKernel: true, extraKernelspecs: extraKernelspecs(lab) });
    } finally {
      if (before === undefined) delete process.env[TRACE_ENV];
      else process.env[TRACE_ENV] = before;
    }
    if (signal?.aborted) throw new Error("interrupted while the Jupyter server started");
    kernels = new KernelManager({ serverSettings: server.settings });
    for (let r = 0; r < rounds; r++) {
      for (const kind of KINDS.map((_, i) => KINDS[(i + r) % KINDS.length])) {
        process.stderr.write(`  profile: ${kind}, round ${r + 1}/${rounds}\n`);
        writeFileSync(traceFile, "");
        const requested = traceNow();
        const kernel = await deadline(kernels.startNew({ name: kind }), KERNEL_START_MS, `the Jupyter server to start kernel ${kind}`, signal);
        await deadline(kernel.info, KERNEL_START_MS, `kernel ${kind} to answer kernel_info`, signal);
        const ready = traceNow();
        await execute(kernel, firstCell[kind], signal);
        const firstEnd = traceNow();
        const total: number[] = [];
        for (let i = 0; i < TRIVIAL_CELLS; i++) {
          const t0 = performance.now();
          await execute(kernel, "1 + 1", signal);
          total.push(performance.now() - t0);
        }
        // Trace lines written by now (appendFileSync in the kernel before its reply is sent).
        const lines = readTrace(traceFile);
        if (kind !== "python3") starts[kind].push(startStages(lines, kind === "tslab-plain" ? "plain" : "lab", requested, ready, firstEnd));
        else starts[kind].push([["= kernel ready (request -> kernel_info reply)", ready - requested], ["first cell (imports the socket module)", firstEnd - ready]]);
        const parts = cellParts(lines).slice(1); // the first cell's imports are in the start table
        cells[kind].totalMs.push(...total);
        if (parts.length === total.length) {
          cells[kind].compileMs.push(...parts.map((p) => p.compileMs));
          cells[kind].runMs.push(...parts.map((p) => p.runMs));
        }
        if (kind === "ts-juliet" && r === 0) await measureViews(kernels, kernel, traceFile, views, signal);
        await deadline(kernel.shutdown(), SHUTDOWN_MS, `kernel ${kind} to shut down`, signal);
      }
    }
  } finally {
    console.debug = debug;
    kernels?.dispose();
    await server?.stop();
    await untilHostsIdle(lab).catch(() => undefined);
    await lab.down();
    rmSync(scratch, { recursive: true, force: true });
  }
  const lines = profileReport(starts, cells, views, rounds);
  for (const line of lines) log(line);
  return { starts, cells, views, lines };
}

/** On juliet's kernel: a sendto cell against the same cell with the socket table and the wire view, each cell timing its views itself. */
async function measureViews(kernels: KernelManager, juliet: Kernel.IKernelConnection, traceFile: string, views: Profile["views"], signal?: AbortSignal): Promise<void> {
  const romeo = await deadline(kernels.startNew({ name: "ts-romeo" }), KERNEL_START_MS, "the Jupyter server to start kernel ts-romeo", signal);
  try {
    await execute(romeo, `import * as socket from "@sockets-typescript/socket";\nconst r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);\nr.bind(["${ROMEO}", ${ports.romeoUnused}]);`, signal);
    await execute(juliet, `import { host } from "@sockets-typescript/notebook";\nconst here = host("juliet");\nawait here.capture!.started();\ns.bind(["${JULIET}", ${ports.juliet}]);`, signal);
    const send = `await s.sendto(socket.b\`Hello\`, ["${ROMEO}", ${ports.romeoUnused}]);`;
    const withViews = `${send}\nconst t0 = performance.now();\nhere.sockets("udp");\nconst t1 = performance.now();\nawait here.wire();\nconsole.log(JSON.stringify({ table: t1 - t0, wire: performance.now() - t1, flush: here.lastFlushMs }));`;
    // Warm-up: both forms compiled once (the first wire() also loads the renderers).
    await execute(juliet, send, signal);
    await execute(juliet, withViews, signal);
    for (let i = 0; i < VIEW_ROUNDS; i++) {
      writeFileSync(traceFile, "");
      let t0 = performance.now();
      await execute(juliet, send, signal);
      views.plainMs.push(performance.now() - t0);
      t0 = performance.now();
      const own = JSON.parse((await execute(juliet, withViews, signal)).trim().split("\n").pop()!) as { table: number; wire: number; flush: number };
      views.viewsMs.push(performance.now() - t0);
      views.tableMs.push(own.table);
      views.flushMs.push(own.flush);
      views.wireRestMs.push(own.wire - own.flush);
      const parts = cellParts(readTrace(traceFile));
      if (parts.length === 2) {
        views.plainCompileMs.push(parts[0].compileMs);
        views.plainRunMs.push(parts[0].runMs);
        views.compileMs.push(parts[1].compileMs - parts[0].compileMs);
        views.viewsRunMs.push(parts[1].runMs);
      }
    }
  } finally {
    await deadline(romeo.shutdown(), SHUTDOWN_MS, "kernel ts-romeo to shut down", signal).catch(() => undefined);
  }
}

export function profileReport(starts: Record<Kind, Stages[]>, cells: Profile["cells"], views: Profile["views"], rounds: number): string[] {
  const fmt = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(1) : "-").padStart(14);
  const out: string[] = [];
  out.push(`profile: kernel start, stage by stage (median of ${rounds} starts each, interleaved, one server; "before" = SOCKETS_KERNEL_QUICK_START=0)`);
  out.push(...stageTable(KINDS.map((kind) => ({ title: TITLES[kind], runs: starts[kind] }))));
  const ready = (kind: Kind) => median(starts[kind].map((s) => s.find(([l]) => l.startsWith("= kernel ready"))?.[1] ?? NaN));
  out.push(`  kernel ready: ts-juliet / before ${(ready("ts-juliet") / ready("ts-juliet-before")).toFixed(2)}x, ts-juliet / plain tslab ${(ready("ts-juliet") / ready("tslab-plain")).toFixed(2)}x, ts-juliet / python ${(ready("ts-juliet") / ready("python3")).toFixed(2)}x`);
  // The quick start's effect, less exposed to the machine's load than the medians: each round's two starts (one after the other) as a ratio.
  const readyOf = (stages: Stages | undefined) => stages?.find(([l]) => l.startsWith("= kernel ready"))?.[1] ?? NaN;
  const paired = starts["ts-juliet"].map((run, r) => readyOf(run) / readyOf(starts["ts-juliet-before"][r]));
  const saved = (label: string) => median(starts["ts-juliet-before"].map((s) => s.find(([l]) => l === label)?.[1] ?? NaN)) - median(starts["ts-juliet"].map((s) => s.find(([l]) => l === label)?.[1] ?? NaN));
  out.push(`  quick start: ts-juliet / before per round ${paired.map((x) => x.toFixed(2)).join(", ")} (median ${median(paired).toFixed(2)}x); saved: relays ${saved("tslab bound -> host-kernel serves the relays (probes, settle)").toFixed(0)} ms, require of typescript ${saved("tslab preload: require of typescript").toFixed(0)} ms`);
  out.push("");
  out.push(`profile: a trivial cell (1 + 1), median of ${rounds} x ${TRIVIAL_CELLS} per kernel`);
  const outside = (kind: Kind) => median(cells[kind].totalMs) - median(cells[kind].compileMs) - median(cells[kind].runMs);
  const cellRows: [string, (kind: Kind) => number][] = [
    ["client send -> execute_reply", (k) => median(cells[k].totalMs)],
    ["tslab: compile + type check", (k) => median(cells[k].compileMs)],
    ["tslab: the cell's own run", (k) => median(cells[k].runMs)],
    ["outside the kernel (Jupyter, ws, ZeroMQ, relays)", outside],
  ];
  out.push(`  ${"part (median ms)".padEnd(48)} ${KINDS.map((k) => TITLES[k].padStart(14)).join(" ")}`);
  for (const [label, value] of cellRows) out.push(`  ${label.padEnd(48)} ${KINDS.map((k) => fmt(value(k))).join(" ")}`);
  out.push(`  ${"host-kernel's relays (ts-juliet - plain tslab)".padEnd(48)} ${fmt(outside("ts-juliet") - outside("tslab-plain"))}`);
  out.push("");
  out.push(`profile: views on juliet (median of ${views.viewsMs.length} interleaved rounds; the cell times its views itself)`);
  const row = (label: string, values: number[]) => out.push(`  ${label.padEnd(48)} ${fmt(median(values))}`);
  row("cell: sendto (client send -> execute_reply)", views.plainMs);
  row("  tslab: compile + type check", views.plainCompileMs);
  row("  tslab: its own run", views.plainRunMs);
  row("cell: sendto + socket table + wire view", views.viewsMs);
  row("  extra compile + type check (vs sendto alone)", views.compileMs);
  row("  tslab: its own run", views.viewsRunMs);
  row("  socket table (ss, parse, render, display)", views.tableMs);
  row("  wire view: flush wait", views.flushMs);
  row("  wire view: read, draw (SVG + PNG), display", views.wireRestMs);
  return out;
}

if (require.main === module) runStandalone("profile", (signal) => measureProfile(console.log, signal, { rounds: Number(process.env.PROFILE_ROUNDS ?? 4), prefix: process.env.SOCKETS_LAB_PREFIX }));
