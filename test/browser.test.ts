// The notebooks in a real browser, as a student uses them: Debian's chromium (headless) on the
// Notebook page of the server `npm start` runs, juliet's and romeo's notebooks in two tabs, each
// cell run with Shift-Enter or the Run button in step order, switching tabs at every hand-over,
// and what the page shows checked against the walkthrough's expectations (the same table the
// headless runner uses). The stop button ends a cell waiting in recvfrom. Screenshots of every
// notebook after its run go to a folder printed at the end. Needs root (the lab) and chromium.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { HostName } from "@sockets-typescript/topology";
import { startJupyter, type JupyterServer } from "../src/jupyter/server";
import type { TranscriptEntry } from "../src/session/cell-recorder";
import { readNotebook, type HostNotebook } from "../src/session/notebook";
import { schedule } from "../src/session/schedule";
import { walkthroughNotebooks } from "../src/runner/walkthrough";
import { checkWalkthrough } from "../src/runner/walkthrough-check";
import { expectationsFor, type Part } from "../src/runner/walkthrough-expectations";
import { chromiumProcesses, haveChromium, launchChromium, endBrowserTestNow, type Chromium } from "./support/chromium";
import { takeLabDownOnSignal } from "./fixtures/testbeds/lab-cleanup";
import { namespaces, needsRoot, projectRoot, testLab } from "./support/lab-fixture";
import { NotebookPage, type CellView, type RunWith } from "./support/notebook-page";
import { answerPredictions } from "./support/scratch-notebooks";

const prefix = "br-";
const lab = testLab(prefix);
const skip = needsRoot || (!haveChromium && "needs Debian's chromium (/usr/bin/chromium; scripts/install-system-packages.sh installs it)");
/** Kept after the test for a person to look at (dist/ is not committed). */
const screenshots = join(projectRoot, "dist", "test-artifacts", "browser");
/** A copy of the notebooks: the page autosaves, and the committed notebooks must stay clean. Inside the project so the kernels find node_modules. */
let scratch = "";
let server: JupyterServer | undefined;
let chromium: Chromium | undefined;
let profileDir = "";

/** How long one cell may take before the test says which one did not finish. */
const CELL_DEADLINE_MS = 60_000;
const OPEN_DEADLINE_MS = 60_000;
/** tslab aborts any request within 200 ms after an error; a student is never that fast. */
const AFTER_ERROR_MS = 300;

/** What the test did, on stderr as it goes: where it was when something did not answer. */
const progress = (line: string) => process.stderr.write(`browser: ${line}\n`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  if (skip) return;
  await lab.down();
  mkdirSync(join(projectRoot, "dist", "test-scratch"), { recursive: true });
  scratch = mkdtempSync(join(projectRoot, "dist", "test-scratch", "browser-"));
  cpSync(join(projectRoot, "notebooks"), join(scratch, "notebooks"), { recursive: true });
  answerPredictions(join(scratch, "notebooks"));
  rmSync(screenshots, { recursive: true, force: true });
  mkdirSync(screenshots, { recursive: true });
  // node --test ends a file that runs too long with SIGTERM, without its after hooks.
  takeLabDownOnSignal(lab, endBrowserTestNow(() => ({ chromium, server, scratch })));
});

after(async () => {
  if (skip) return;
  await chromium?.close();
  await server?.stop();
  await lab.down();
  rmSync(scratch, { recursive: true, force: true });
  assert.deepEqual(namespaces().filter((ns) => ns.startsWith(prefix)), [], "namespaces left behind");
  assert.deepEqual(profileDir ? chromiumProcesses(profileDir) : [], [], "chromium processes left behind");
  assert.equal(profileDir !== "" && existsSync(profileDir), false, "the browser profile folder was left behind");
  assert.equal(server ? server.process.exitCode !== null || server.process.signalCode !== null : true, true, "the Jupyter server still runs");
});

/** The kernels of a finished part: shut down through the server, as File > Close and Halt does. */
async function shutDownSessions(s: JupyterServer): Promise<void> {
  const auth = { headers: { Authorization: `token ${s.token}` } };
  const sessions = (await (await fetch(`${s.baseUrl}api/sessions`, auth)).json()) as { id: string }[];
  for (const session of sessions) await fetch(`${s.baseUrl}api/sessions/${session.id}`, { method: "DELETE", ...auth });
}

interface PartRun {
  pages: Record<HostName, NotebookPage>;
  entries: TranscriptEntry[];
  /** How often the test switched tabs. */
  handOvers: number;
  /** Notebook positions in the order they ran, per host. */
  ran: Record<HostName, number[]>;
  /** Printed lines the rendered page did not show. */
  unseen: string[];
  ms: number;
}

/** Opens both notebooks of a part in two tabs and runs every cell in step order through the page. */
async function runPartInBrowser(part: string, notebooks: HostNotebook[], s: JupyterServer, c: Chromium): Promise<PartRun> {
  const started = Date.now();
  const pages = {} as Record<HostName, NotebookPage>;
  for (const nb of notebooks) {
    const path = nb.path.slice(join(scratch, "notebooks").length + 1);
    pages[nb.host] = await NotebookPage.open(await c.browser.newPage(), s.baseUrl, s.token, path, OPEN_DEADLINE_MS);
  }
  // juliet's notebook with the keyboard, romeo's with the toolbar: both ways a student runs a cell.
  const how: Record<HostName, RunWith> = { juliet: "shift-enter", romeo: "run-button" };
  const entries: TranscriptEntry[] = [];
  const unseen: string[] = [];
  const ran: Record<HostName, number[]> = { juliet: [], romeo: [] };
  const pending = new Map<HostName, Promise<void>>();
  let front: HostName | undefined;
  let handOvers = 0;
  const cells = schedule(notebooks);
  for (const [i, cell] of cells.entries()) {
    await pending.get(cell.host); // one cell at a time per notebook, as the page itself queues them
    pending.delete(cell.host);
    const page = pages[cell.host];
    if (front !== cell.host) {
      if (front !== undefined) handOvers++;
      await page.bringToFront();
      front = cell.host;
    }
    const t0 = Date.now();
    progress(`${part} ${cell.host} ${cell.step} cell ${cell.position}: run (${how[cell.host]})`);
    await page.start(cell.position, how[cell.host]);
    ran[cell.host].push(cell.position);
    if (tagsOf(notebooks, cell.host, cell.position).includes("stop-button")) {
      // A cell that waits until the student presses stop (a recvfrom nobody answers).
      await sleep(1_000); // past tslab's compile: an interrupt during the compile is lost
      assert.equal(await page.prompt(cell.position), "In [*]:", `${part}: cell ${cell.position} should still wait`);
      progress(`${part} ${cell.host} ${cell.step} cell ${cell.position}: the stop button`);
      await page.pressStop();
    }
    const done = page.finish(cell.position, CELL_DEADLINE_MS).then(async (view: CellView) => {
      const status = view.stderr.trim() ? "error" : "ok";
      progress(`${part} ${cell.host} ${cell.step} cell ${cell.position}: In [${view.count}] ${status} after ${Date.now() - t0} ms`);
      if (view.missing.length) unseen.push(`${cell.host} ${cell.step} cell ${cell.position}: ${view.missing.join(" | ")}`);
      entries.push({ index: i + 1, host: cell.host, step: cell.step, position: cell.position, code: cell.code, raisesException: cell.raisesException, waitsForPeer: cell.waitsForPeer, status, stdout: view.stdout, stderr: view.stderr, ms: Date.now() - t0 });
      if (status === "error") await sleep(AFTER_ERROR_MS);
    });
    // The two setup cells compile at the same time; a cell that waits for the other host runs on while we switch tabs.
    if (cell.waitsForPeer || cell.step === "setup") pending.set(cell.host, done);
    else await done;
  }
  await Promise.all(pending.values());
  entries.sort((a, b) => a.index - b.index);
  return { pages, entries, handOvers, ran, unseen, ms: Date.now() - started };
}

/** A cell's tags as the notebook file has them (e.g. stop-button). */
function tagsOf(notebooks: HostNotebook[], host: HostName, position: number): string[] {
  const nb = notebooks.find((n) => n.host === host)!;
  const raw = JSON.parse(readFileSync(nb.path, "utf8")) as { cells: { metadata?: { tags?: string[] } }[] };
  return raw.cells[position - 1]?.metadata?.tags ?? [];
}

/** The 00 notebooks (tslab basics), a pair for the two hosts, when the project has them. */
function basicsNotebooks(): HostNotebook[] {
  const dir = join(scratch, "notebooks");
  const files = readdirSync(dir).filter((f) => /^00-.*-(juliet|romeo)\.ipynb$/.test(f)).sort();
  return files.map((f) => readNotebook(join(dir, f)));
}

type Drawn = Awaited<ReturnType<NotebookPage["drawn"]>>;

/** The notebook positions of a step's cells on a host. */
const cellOf = (run: PartRun, step: string, host: HostName) => run.entries.filter((e) => e.step === step && e.host === host).map((e) => e.position);

/** Everything the step's cells on that host drew. */
async function drawnIn(run: PartRun, step: string, host: HostName): Promise<Drawn> {
  const all: Drawn = { packets: [], rows: [], topology: [], svgs: 0, tables: 0 };
  for (const position of cellOf(run, step, host)) {
    const d = await run.pages[host].drawn(position);
    all.packets.push(...d.packets);
    all.rows.push(...d.rows);
    all.topology.push(...d.topology);
    all.svgs += d.svgs;
    all.tables += d.tables;
  }
  return all;
}

/** Each pattern matches an item after the previous pattern's item. */
function assertInOrder(items: string[], patterns: RegExp[], what: string): void {
  let from = 0;
  for (const pattern of patterns) {
    const at = items.findIndex((item, i) => i >= from && pattern.test(item));
    assert.ok(at >= 0, `${what}: no ${pattern} after item ${from} in:\n${items.join("\n")}`);
    from = at + 1;
  }
}

/** The prompts' numbers go up down each notebook, in the order the cells ran. */
async function assertCountsInOrder(run: PartRun): Promise<void> {
  for (const host of ["juliet", "romeo"] as HostName[]) {
    const counts: number[] = [];
    for (const position of run.ran[host]) counts.push((await run.pages[host].view(position)).count);
    assert.ok(counts.every((n, i) => Number.isInteger(n) && (i === 0 || n > counts[i - 1])), `${host}: prompts not in run order: ${counts.join(", ")}`);
  }
}

test("juliet's and romeo's UDP and TCP notebooks run in Chromium as a student runs them, and the stop button ends a waiting recvfrom", { skip, timeout: 300_000 }, async (t) => {
  const t0 = Date.now();
  await lab.up();
  server = await startJupyter({ notebookDir: join(scratch, "notebooks"), lab, log: "capture" });
  chromium = await launchChromium();
  profileDir = chromium.profileDir;
  const timings: string[] = [`lab + server + browser ${Date.now() - t0} ms`];

  const basics = basicsNotebooks();
  if (basics.length > 0) {
    const run = await runPartInBrowser("basics", basics, server, chromium);
    timings.push(`00 ${run.entries.length} cells ${run.ms} ms`);
    const expectations = (expectationsFor as Record<string, Parameters<typeof checkWalkthrough>[1]>)["basics"];
    if (expectations) assert.deepEqual(checkWalkthrough(run.entries, expectations), [], "00: the page showed something else");
    for (const entry of run.entries) {
      assert.equal(entry.status === "error", entry.raisesException, `00 ${entry.host} ${entry.step} cell ${entry.position}: ${entry.status}\n${entry.stdout}${entry.stderr}`);
      if (tagsOf(basics, entry.host, entry.position).includes("stop-button")) assert.match(entry.stderr, /KeyboardInterrupt|Error: Interrupted asynchronously/);
    }
    assert.deepEqual(run.unseen, [], "00: printed lines the page does not show");
    await assertCountsInOrder(run);
    for (const nb of basics) {
      await run.pages[nb.host].screenshot(join(screenshots, basename(nb.path).replace(/\.ipynb$/, ".png")));
      await run.pages[nb.host].page.close();
    }
    await shutDownSessions(server);
  }

  for (const part of ["udp", "tcp"] as Part[]) {
    const run = await runPartInBrowser(part, walkthroughNotebooks(part, join(scratch, "notebooks")), server, chromium);
    timings.push(`${part} ${run.entries.length} cells ${run.ms} ms (${run.handOvers} tab switches)`);
    // What the student saw is what the walkthrough promises, step by step.
    assert.deepEqual(checkWalkthrough(run.entries, expectationsFor[part]), [], `${part}: the page showed something else:\n${run.entries.map((e) => `${e.step} ${e.host}: ${e.stdout}${e.stderr}`).join("\n")}`);
    assert.ok(run.handOvers >= 3, `${part}: the run switched tabs only ${run.handOvers} times`);
    await assertCountsInOrder(run);
    progress(`${part}: checking what the pages show`);
    assert.deepEqual(run.unseen, [], `${part}: printed lines the page does not show`);
    // The views as the page draws them: the topology in each setup cell, the wire's SVG, the HTML socket tables.
    const drawn = (step: string, host: HostName) => drawnIn(run, step, host);
    for (const host of ["juliet", "romeo"] as HostName[]) {
      const { topology } = await drawn("setup", host);
      assert.deepEqual(topology.map((h) => `${h.host}${h.here ? " (here)" : ""}`).sort(), host === "juliet" ? ["juliet (here)", "romeo"] : ["juliet", "romeo (here)"], `${part}: ${host}'s topology`);
    }
    const flags = (packets: Drawn["packets"]) => packets.map((p) => `${p.src}>${p.dst} ${p.proto}${p.flags ? ` ${p.flags}` : ""}${p.icmp ? ` ${p.icmp}` : ""}`);
    const states = (rows: Drawn["rows"]) => rows.map((r) => r.state);
    if (part === "udp") {
      assert.ok(states((await drawn("U2", "juliet")).rows).includes("UNCONN"), "U2: juliet's table shows UNCONN");
      const u5 = flags((await drawn("U5", "juliet")).packets);
      assertInOrder(u5, [/^juliet:4000>romeo:\d+ udp$/, /^romeo>juliet icmp port unreachable$/], "U5's wire view");
    } else {
      const t4 = flags((await drawn("T4", "romeo")).packets);
      assertInOrder(t4, [/^romeo:\d+>juliet:4000 tcp SYN$/, /^juliet:4000>romeo:\d+ tcp RST,ACK$/], "T4's wire view (errno 111 is juliet's RST)");
      assert.ok(states((await drawn("T5", "juliet")).rows).includes("LISTEN"), "T5: juliet's table shows LISTEN");
      const t6 = await drawn("T6", "romeo");
      assertInOrder(flags(t6.packets), [/^romeo:\d+>juliet:4000 tcp SYN$/, /^juliet:4000>romeo:\d+ tcp SYN,ACK$/, /^romeo:\d+>juliet:4000 tcp ACK$/], "T6's wire view (the handshake)");
      assert.ok(states(t6.rows).includes("ESTAB"), `T6: romeo's table shows ESTAB (${states(t6.rows)})`);
      assert.ok(states((await drawn("T13", "romeo")).rows).some((s) => /^FIN-WAIT-[12]$/.test(s)), "T13: romeo's table shows FIN-WAIT");
      assert.ok(states((await drawn("T14", "juliet")).rows).includes("CLOSE-WAIT"), "T14: juliet's table shows CLOSE-WAIT");
      // For the docs: the handshake, and juliet's side at the end.
      await run.pages.romeo.screenshotCell(cellOf(run, "T6", "romeo").at(-1)!, join(screenshots, "cell-tcp-handshake.png"));
      await run.pages.juliet.screenshotCell(cellOf(run, "T14", "juliet").at(-1)!, join(screenshots, "cell-tcp-close.png"));
    }

    if (part === "udp") {
      progress("udp: the stop button on a waiting recvfrom");
      // The stop button on a cell waiting in recvfrom (nothing will ever arrive on this port).
      const juliet = run.pages.juliet;
      await juliet.bringToFront();
      const make = await juliet.appendCell('const waiter = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);\nwaiter.bind([JULIET, 0]);\nconsole.log("waiter bound");');
      assert.match((await juliet.run(make, "shift-enter", CELL_DEADLINE_MS)).stdout, /waiter bound/);
      const wait = await juliet.appendCell('console.log("waiting in recvfrom");\nawait waiter.recvfrom(1024);');
      await juliet.start(wait, "shift-enter");
      await juliet.waitForOutput(wait, "waiting in recvfrom", CELL_DEADLINE_MS);
      await sleep(500); // in recvfrom now, not compiling: tslab loses an interrupt during a compile
      assert.equal(await juliet.prompt(wait), "In [*]:", "the cell waiting in recvfrom shows [*]");
      assert.equal(await juliet.kernelState(), "busy");
      await juliet.pressStop();
      const stopped = await juliet.finish(wait, 15_000);
      // tslab itself ends the interrupted await first, with its own one-line message (see
      // src/host/tslab-preload.ts); the socket module's KeyboardInterrupt when it gets there first.
      assert.match(stopped.stderr, /KeyboardInterrupt|Error: Interrupted asynchronously/);
      assert.ok(Number.isInteger(stopped.count), "the stopped cell got its number");
      await sleep(AFTER_ERROR_MS);
      // The kernel lives on, and so does the socket: a datagram sent to it now is received.
      const later = await juliet.appendCell('const poke = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);\nawait poke.sendto(socket.b`still here`, waiter.getsockname());\nconsole.log("after the stop:", (await waiter.recvfrom(1024))[0]);\npoke.close();\nwaiter.close();');
      const alive = await juliet.run(later, "shift-enter", CELL_DEADLINE_MS);
      assert.equal(alive.stderr, "");
      assert.match(alive.stdout, /after the stop: b'still here'/);
      assert.equal(await juliet.kernelState(), "idle");
    }

    progress(`${part}: screenshots`);
    for (const host of ["juliet", "romeo"] as HostName[]) {
      await run.pages[host].screenshot(join(screenshots, `${part}-${host}.png`));
      await run.pages[host].page.close();
    }
    await shutDownSessions(server);
  }

  const shots = readdirSync(screenshots).sort();
  assert.deepEqual(shots.filter((f) => !f.startsWith("00-")), ["cell-tcp-close.png", "cell-tcp-handshake.png", "tcp-juliet.png", "tcp-romeo.png", "udp-juliet.png", "udp-romeo.png"]);
  assert.equal(shots.filter((f) => f.startsWith("00-")).length, basics.length);
  t.diagnostic(`timings: ${timings.join("; ")}; total ${Date.now() - t0} ms`);
  t.diagnostic(`screenshots of every notebook after its run: ${screenshots}`);
  console.log(`browser test: ${timings.join("; ")}; total ${Date.now() - t0} ms\nscreenshots: ${screenshots}`);
});
