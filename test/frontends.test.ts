// The students' front ends in a real browser: JupyterLab 4 and Notebook 7 (the project's venv,
// scripts/tools.sh jupyter) in Debian's chromium. juliet's and romeo's notebooks of a part opened
// from the file browser (side by side in JupyterLab, two browser tabs in Notebook 7), the kernel
// from the notebook's metadata without a dialog, the cells run with Shift-Enter in the
// walkthrough's order across the hosts, what the page keeps checked against the walkthrough's
// expectations (the headless runner's table), the stop button ends a waiting recvfrom with one
// press and the next cell runs. Any page error or console error fails the test (Notebook 7.6.3's
// own error on every page load is printed, not failed on). Kernel-ready and press-to-output per
// cell go to dist/test-artifacts/browser/frontends-<front end>.json (no timed assertion).
// Needs root (the lab), chromium and the venv (SOCKETS_JUPYTER_BIN; npm test sets it).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HostName } from "@sockets-typescript/topology";
import { jupyterVenvBin, startJupyter, type JupyterServer } from "../src/jupyter/server";
import type { TranscriptEntry } from "../src/session/cell-recorder";
import { readNotebook, type HostNotebook } from "../src/session/notebook";
import { schedule } from "../src/session/schedule";
import { walkthroughNotebooks } from "../src/runner/walkthrough";
import { checkWalkthrough } from "../src/runner/walkthrough-check";
import { expectationsFor, type Part } from "../src/runner/walkthrough-expectations";
import { kernelName } from "../src/common/paths";
import { chromiumProcesses, haveChromium, launchChromium, endBrowserTestNow, type Chromium } from "./support/chromium";
import { takeLabDownOnSignal } from "./fixtures/testbeds/lab-cleanup";
import { dragTabToRightHalf, LuminoNotebook, PageErrors, type LuminoFrontEnd } from "./support/frontends";
import { namespaces, needsRoot, projectRoot, testLab } from "./support/lab-fixture";
import { answerPredictions } from "./support/scratch-notebooks";

const prefix = "fe-";
const lab = testLab(prefix);
const skip =
  needsRoot ||
  (!haveChromium && "needs Debian's chromium (/usr/bin/chromium)") ||
  (!jupyterVenvBin() && "needs the JupyterLab 4 / Notebook 7 venv (SOCKETS_JUPYTER_BIN, or bash scripts/tools.sh jupyter)");
const artifacts = join(projectRoot, "dist", "test-artifacts", "browser");
const CELL_DEADLINE_MS = 60_000;
const OPEN_DEADLINE_MS = 60_000;
/** tslab aborts any request within 200 ms after an error; a student is never that fast. */
const AFTER_ERROR_MS = 300;
/** The walkthrough's parts, then the exercise's starters (as handed out: the TODO functions do nothing). */
const PARTS: (Part | Starter)[] = ["udp", "tcp", "balcony-udp", "balcony-tcp"];
type Starter = "balcony-udp" | "balcony-tcp";
const isStarter = (part: Part | Starter): part is Starter => part.startsWith("balcony-");

/** The part's two notebooks (juliet's, romeo's) in the scratch copy. */
function partNotebooks(part: Part | Starter, dir: string): HostNotebook[] {
  return isStarter(part) ? (["juliet", "romeo"] as HostName[]).map((host) => readNotebook(join(dir, `03-${part}-${host}.ipynb`), host)) : walkthroughNotebooks(part, dir);
}

let scratch = "";
let server: JupyterServer | undefined;
let chromium: Chromium | undefined;
const profiles: string[] = [];

const progress = (line: string) => process.stderr.write(`frontends: ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  if (skip) return;
  await lab.down();
  mkdirSync(join(projectRoot, "dist", "test-scratch"), { recursive: true });
  scratch = mkdtempSync(join(projectRoot, "dist", "test-scratch", "frontends-"));
  cpSync(join(projectRoot, "notebooks"), join(scratch, "notebooks"), { recursive: true });
  answerPredictions(join(scratch, "notebooks"));
  mkdirSync(artifacts, { recursive: true });
  takeLabDownOnSignal(lab, endBrowserTestNow(() => ({ chromium, server, scratch })));
  await lab.up();
});

after(async () => {
  if (skip) return;
  await chromium?.close();
  await server?.stop();
  await lab.down();
  rmSync(scratch, { recursive: true, force: true });
  assert.deepEqual(namespaces().filter((ns) => ns.startsWith(prefix)), [], "namespaces left behind");
  for (const dir of profiles) {
    assert.deepEqual(chromiumProcesses(dir), [], "chromium processes left behind");
    assert.equal(existsSync(dir), false, "the browser profile folder was left behind");
  }
});

function tagsOf(nb: HostNotebook, position: number): string[] {
  const raw = JSON.parse(readFileSync(nb.path, "utf8")) as { cells: { metadata?: { tags?: string[] } }[] };
  return raw.cells[position - 1]?.metadata?.tags ?? [];
}

async function shutDownSessions(s: JupyterServer): Promise<void> {
  const auth = { headers: { Authorization: `token ${s.token}` } };
  const sessions = (await (await fetch(`${s.baseUrl}api/sessions`, auth)).json()) as { id: string }[];
  for (const session of sessions) await fetch(`${s.baseUrl}api/sessions/${session.id}`, { method: "DELETE", ...auth });
}

interface Timings {
  frontEnd: LuminoFrontEnd;
  kernelReadyMs: Record<string, number>;
  /** Press (Shift-Enter) to the prompt's number with the outputs, per cell; the cells that wait for the other host or for the stop button apart. */
  cells: { part: string; host: HostName; step: string; position: number; ms: number; waits: boolean }[];
  stopPressToEndMs: number[];
  partsMs: Record<string, number>;
  knownAppErrors: string[];
  /**
   * The yardstick, in the same server and browser after the walkthrough: a TypeScript (juliet's
   * host kernel) and a Python notebook (the server's ipykernel) opened together, then TRIVIAL_CELLS
   * cells of `1 + 1` each, in alternating blocks: kernel ready and press-to-output per cell.
   */
  trivial: { kernelReadyMs: { typescript: number; python: number }; typescriptMs: number[]; pythonMs: number[] };
}

const TRIVIAL_CELLS = 30;
const TRIVIAL_BLOCK = 10;

/** A notebook of `count` cells of `code` for `kernel` (written for the yardstick, never committed). */
function trivialNotebook(file: string, kernel: { name: string; display_name: string; language: string }, code: string, count: number): void {
  const cells = Array.from({ length: count }, () => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source: [code] }));
  writeFileSync(file, JSON.stringify({ cells, metadata: { kernelspec: kernel, language_info: { name: kernel.language } }, nbformat: 4, nbformat_minor: 5 }, null, 1) + "\n");
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

async function runFrontEnd(frontEnd: LuminoFrontEnd): Promise<Timings> {
  const timings: Timings = { frontEnd, kernelReadyMs: {}, cells: [], stopPressToEndMs: [], partsMs: {}, knownAppErrors: [], trivial: { kernelReadyMs: { typescript: NaN, python: NaN }, typescriptMs: [], pythonMs: [] } };
  const t0 = Date.now();
  // spares: as `npm start` serves the notebooks (what a student's kernel start and restart cost there).
  server = await startJupyter({ notebookDir: join(scratch, "notebooks"), lab, log: "capture", frontEnd, exposeApp: true, pythonKernel: true, spares: true });
  chromium = await launchChromium();
  profiles.push(chromium.profileDir);
  const errors = new PageErrors(frontEnd);
  chromium.browser.on("targetcreated", async (target) => {
    const page = await target.page().catch(() => null);
    if (page) errors.watch(page);
  });
  progress(`${frontEnd}: server + browser ${Date.now() - t0} ms`);
  try {
    for (const part of PARTS) {
      const partStart = Date.now();
      // A fresh browser tab per part (the pages of the last part closed: a page with notebooks
      // open asks before it is left).
      const home = await chromium.browser.newPage();
      // JupyterLab restores the last layout (its workspace): ?reset opens it empty, as for a student's first visit.
      await home.goto(frontEnd === "lab" ? `${server.baseUrl}lab?reset&token=${server.token}` : server.url, { waitUntil: "domcontentloaded", timeout: OPEN_DEADLINE_MS });
      const notebooks = partNotebooks(part, join(scratch, "notebooks"));
      const pages = {} as Record<HostName, LuminoNotebook>;
      for (const nb of notebooks) {
        const path = nb.path.slice(join(scratch, "notebooks").length + 1);
        pages[nb.host] = await LuminoNotebook.fromFileBrowser(frontEnd, chromium.browser, home, path, kernelName(nb.host), OPEN_DEADLINE_MS);
        timings.kernelReadyMs[`${part} ${nb.host}`] = pages[nb.host].kernelReadyMs;
      }
      if (frontEnd === "lab") {
        const romeo = notebooks.find((nb) => nb.host === "romeo")!;
        const bars = await dragTabToRightHalf(home, pages.romeo.path);
        assert.equal(bars, 2, `${part}: dragging ${romeo.host}'s tab to the right half should give two tab bars side by side`);
      }
      const entries: TranscriptEntry[] = [];
      const unseen: string[] = [];
      const pending = new Map<HostName, Promise<void>>();
      let front: HostName | undefined;
      for (const [i, cell] of schedule(notebooks).entries()) {
        await pending.get(cell.host);
        pending.delete(cell.host);
        const page = pages[cell.host];
        if (front !== cell.host && frontEnd === "notebook7") await page.bringToFront();
        front = cell.host;
        const nb = notebooks.find((n) => n.host === cell.host)!;
        const stopButton = tagsOf(nb, cell.position).includes("stop-button");
        const t = Date.now();
        await page.start(cell.position);
        let pressed = 0;
        if (stopButton) {
          await sleep(1_000); // past tslab's compile: an interrupt during the compile is lost
          assert.equal(await page.prompt(cell.position), "[*]:", `${part}: cell ${cell.position} should still wait`);
          pressed = Date.now();
          await page.pressStop();
        }
        const done = page.finish(cell.position, CELL_DEADLINE_MS).then(async (view) => {
          const ms = Date.now() - t;
          if (pressed) timings.stopPressToEndMs.push(Date.now() - pressed);
          const status = view.stderr.trim() ? "error" : "ok";
          progress(`${frontEnd} ${part} ${cell.host} ${cell.step} cell ${cell.position}: [${view.count}] ${status} ${ms} ms`);
          if (view.missing.length) unseen.push(`${cell.host} ${cell.step} cell ${cell.position}: ${view.missing.join(" | ")}`);
          timings.cells.push({ part, host: cell.host, step: cell.step, position: cell.position, ms, waits: cell.waitsForPeer || stopButton || cell.step === "setup" });
          entries.push({ index: i + 1, host: cell.host, step: cell.step, position: cell.position, code: cell.code, raisesException: cell.raisesException, waitsForPeer: cell.waitsForPeer, status, stdout: view.stdout, stderr: view.stderr, ms });
          if (status === "error") await sleep(AFTER_ERROR_MS);
        });
        if (cell.waitsForPeer || cell.step === "setup") pending.set(cell.host, done);
        else await done;
      }
      await Promise.all(pending.values());
      entries.sort((a, b) => a.index - b.index);
      assert.deepEqual(errors.errors, [], `${frontEnd} ${part}: page or console errors`);
      const shown = entries.map((e) => `${e.step} ${e.host}: ${e.stdout}${e.stderr}`).join("\n");
      if (isStarter(part)) {
        // The starters run as handed out: every cell ends without an error (TCP's are comments to
        // replace), and the UDP one's step B7 counts the lines (none yet: receiveLine is a TODO).
        assert.deepEqual(entries.filter((e) => e.status !== "ok").map((e) => `${e.step} ${e.host}: ${e.stderr}`), [], `${frontEnd} ${part}: a starter cell failed`);
        if (part === "balcony-udp") for (const host of ["juliet", "romeo"] as HostName[]) assert.match(shown, new RegExp(`B7 ${host}: 0 of \\d+ lines from (romeo|juliet) arrived`), `${frontEnd} ${part}: ${host}'s B7\n${shown}`);
      } else {
        assert.deepEqual(checkWalkthrough(entries, expectationsFor[part]), [], `${frontEnd} ${part}: the page showed something else:\n${shown}`);
      }
      assert.deepEqual(unseen, [], `${frontEnd} ${part}: printed lines the page does not show`);
      if (part === "udp") {
        // One press of the stop button ends a receive nobody answers; the kernel and the socket live on.
        const juliet = pages.juliet;
        if (frontEnd === "notebook7") await juliet.bringToFront();
        const make = await juliet.appendCell('const waiter = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);\nwaiter.bind([JULIET, 0]);\nconsole.log("waiter bound");');
        await juliet.start(make);
        assert.match((await juliet.finish(make, CELL_DEADLINE_MS)).stdout, /waiter bound/);
        const wait = await juliet.appendCell('console.log("waiting in recvfrom");\nawait waiter.recvfrom(1024);');
        await juliet.start(wait);
        await juliet.waitForOutput(wait, "waiting in recvfrom", CELL_DEADLINE_MS);
        await sleep(500);
        assert.equal(await juliet.prompt(wait), "[*]:");
        assert.equal(await juliet.kernelState(), "busy");
        const pressed = Date.now();
        await juliet.pressStop();
        const stopped = await juliet.finish(wait, 15_000);
        timings.stopPressToEndMs.push(Date.now() - pressed);
        assert.match(stopped.stderr, /KeyboardInterrupt|Error: Interrupted asynchronously/);
        await sleep(AFTER_ERROR_MS);
        const later = await juliet.appendCell('const poke = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);\nawait poke.sendto(socket.b`still here`, waiter.getsockname());\nconsole.log("after the stop:", (await waiter.recvfrom(1024))[0]);\npoke.close();\nwaiter.close();');
        await juliet.start(later);
        const alive = await juliet.finish(later, CELL_DEADLINE_MS);
        assert.equal(alive.stderr, "");
        assert.match(alive.stdout, /after the stop: b'still here'/);
      }
      await pages.juliet.screenshot(join(artifacts, `frontends-${frontEnd}-${part}${frontEnd === "lab" ? "" : "-juliet"}.png`));
      // Close the notebooks (Notebook 7: their tabs) and shut their kernels down, as File > Close and Shut Down does.
      for (const host of ["juliet", "romeo"] as HostName[]) if (pages[host].page !== home) await pages[host].page.close();
      await home.close();
      await shutDownSessions(server);
      timings.partsMs[part] = Date.now() - partStart;
    }
    await trivialCells(frontEnd, server, chromium, timings);
    timings.knownAppErrors = errors.known;
    assert.deepEqual(errors.errors, [], `${frontEnd}: page or console errors`);
    return timings;
  } finally {
    await chromium.close();
    chromium = undefined;
    await server.stop();
    server = undefined;
  }
}

/** The yardstick (see Timings.trivial): both notebooks open together, `1 + 1` in alternating blocks. */
async function trivialCells(frontEnd: LuminoFrontEnd, s: JupyterServer, c: Chromium, timings: Timings): Promise<void> {
  const dir = join(scratch, "notebooks");
  const files = { typescript: "speed-typescript.ipynb", python: "speed-python.ipynb" };
  trivialNotebook(join(dir, files.typescript), { name: kernelName("juliet"), display_name: "TypeScript (juliet)", language: "typescript" }, "1 + 1", TRIVIAL_CELLS);
  trivialNotebook(join(dir, files.python), { name: "python3", display_name: "Python 3 (ipykernel)", language: "python" }, "1 + 1", TRIVIAL_CELLS);
  const home = await c.browser.newPage();
  await home.goto(frontEnd === "lab" ? `${s.baseUrl}lab?reset&token=${s.token}` : s.url, { waitUntil: "domcontentloaded", timeout: OPEN_DEADLINE_MS });
  const pages = {
    typescript: await LuminoNotebook.fromFileBrowser(frontEnd, c.browser, home, files.typescript, kernelName("juliet"), OPEN_DEADLINE_MS),
    python: await LuminoNotebook.fromFileBrowser(frontEnd, c.browser, home, files.python, "python3", OPEN_DEADLINE_MS),
  };
  timings.trivial.kernelReadyMs = { typescript: pages.typescript.kernelReadyMs, python: pages.python.kernelReadyMs };
  // JupyterLab: side by side, as the walkthrough's pair (a tab behind another cannot be clicked).
  if (frontEnd === "lab") assert.equal(await dragTabToRightHalf(home, files.python), 2, "the yardstick's Python tab dragged to the right half");
  for (let first = 1; first <= TRIVIAL_CELLS; first += TRIVIAL_BLOCK) {
    for (const language of ["typescript", "python"] as const) {
      const page = pages[language];
      await page.bringToFront();
      for (let position = first; position < first + TRIVIAL_BLOCK; position++) {
        const t = Date.now();
        await page.start(position);
        const view = await page.finish(position, CELL_DEADLINE_MS);
        (language === "typescript" ? timings.trivial.typescriptMs : timings.trivial.pythonMs).push(Date.now() - t);
        assert.equal(view.stderr, "", `${language} cell ${position}: ${view.stderr}`);
        assert.equal(view.stdout.trim(), "2", `${language} cell ${position} should show 2`);
      }
    }
  }
  progress(`${frontEnd} yardstick: kernel ready typescript ${timings.trivial.kernelReadyMs.typescript} ms, python ${timings.trivial.kernelReadyMs.python} ms; 1 + 1 median typescript ${median(timings.trivial.typescriptMs)} ms, python ${median(timings.trivial.pythonMs)} ms`);
  for (const page of Object.values(pages)) if (page.page !== home) await page.page.close();
  await home.close();
  await shutDownSessions(s);
}

function report(t: Timings): string {
  const quick = t.cells.filter((c) => !c.waits).map((c) => c.ms);
  const summary = `${t.frontEnd}: kernel ready median ${median(Object.values(t.kernelReadyMs))} ms (${Object.entries(t.kernelReadyMs).map(([k, v]) => `${k} ${v}`).join(", ")}); press-to-output median ${median(quick)} ms, max ${Math.max(...quick)} ms over ${quick.length} cells (cells that wait for the other host or the stop button left out); stop press to end ${t.stopPressToEndMs.join(", ")} ms; 1 + 1 median typescript ${median(t.trivial.typescriptMs)} ms, python ${median(t.trivial.pythonMs)} ms, kernel ready typescript ${t.trivial.kernelReadyMs.typescript} ms, python ${t.trivial.kernelReadyMs.python} ms; parts ${Object.entries(t.partsMs).map(([k, v]) => `${k} ${v} ms`).join(", ")}; the app's own known errors: ${t.knownAppErrors.length}`;
  writeFileSync(join(artifacts, `frontends-${t.frontEnd}.json`), JSON.stringify({ ...t, summary }, null, 2) + "\n");
  return summary;
}

for (const frontEnd of ["lab", "notebook7"] as LuminoFrontEnd[]) {
  test(`juliet's and romeo's UDP and TCP notebooks and the exercise starters in ${frontEnd === "lab" ? "JupyterLab 4, side by side" : "Notebook 7, two tabs"}: opened from the file browser, run in the walkthrough's order, one press of stop ends a waiting recvfrom, no page errors`, { skip, timeout: 300_000 }, async (t) => {
    const timings = await runFrontEnd(frontEnd);
    const line = report(timings);
    t.diagnostic(line);
    console.log(`frontends test: ${line}`);
    if (timings.knownAppErrors.length) console.log(`frontends test: Notebook 7's own errors (not failed on): ${timings.knownAppErrors.length}, e.g. ${timings.knownAppErrors[0]}`);
  });
}
