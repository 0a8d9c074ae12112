// The handout as a student receives it: `npm run walkthrough -- udp --save DIR --html` (the real
// run), juliet's executed notebook opened in JupyterLab 4 and Notebook 7 untrusted (the student's
// server never signed it) and then trusted (`jupyter trust`, as "Trust Notebook" does), in
// Chromium. Untrusted, every drawing (topology, wire) shows as the <img> of its PNG and none of the
// SVG's labels as text; trusted, the inline SVG and no <img>; the socket tables both ways. In
// JupyterLab a trusted and an untrusted copy open side by side keep to their own forms (the trusted
// view's <style> must not reach the other). nbconvert's HTML pages (the venv's nbconvert 7, and
// the distribution's of --html) draw the SVG. Any page or console error fails (Notebook 7.6.3's
// own are recorded). The signatures are taken out of the trust database again. Needs root (the
// lab), chromium and the venv. ~35 s.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "puppeteer-core";
import { jupyterVenvBin, startJupyter, type FrontEnd, type JupyterServer } from "../src/jupyter/server";
import { chromiumProcesses, haveChromium, launchChromium, endBrowserTestNow, type Chromium } from "./support/chromium";
import { takeLabDownOnSignal } from "./fixtures/testbeds/lab-cleanup";
import { PageErrors, type LuminoFrontEnd } from "./support/frontends";
import { namespaces, needsRoot, projectRoot, testLab } from "./support/lab-fixture";

const prefix = "vh-";
const lab = testLab(prefix);
const venv = jupyterVenvBin();
const skip =
  needsRoot ||
  (!haveChromium && "needs Debian's chromium (/usr/bin/chromium)") ||
  (!venv && "needs the JupyterLab 4 / Notebook 7 venv (SOCKETS_JUPYTER_BIN, or bash scripts/tools.sh jupyter)");
const OPEN_DEADLINE_MS = 60_000;

let scratch = "";
let chromium: Chromium | undefined;
let server: JupyterServer | undefined;
/** What juliet's saved notebook holds: its drawings (outputs with image/png) and socket tables. */
let expected = { pictures: 0, tables: 0 };

// The functions passed to page.evaluate run in the page.
declare const window: any;
declare const document: any;
declare const getComputedStyle: any;
declare const requestAnimationFrame: any;

interface Shown {
  /** Per .sockets-view, in page order: what is visible of it. */
  views: { svg: number; img: number; imgDecoded: boolean; text: string }[];
  tables: number;
  /** All the outputs' visible text: the SVG's labels must never be in it. */
  outputText: string;
}

/** What the page shows of the notebook at `path`: each view scrolled into sight first (off-screen cells are not laid out). */
async function shown(page: Page, path: string): Promise<Shown> {
  return page.evaluate(async (p: string) => {
    const panel = [...window.jupyterapp.shell.widgets("main")].find((w: any) => w.context?.path === p);
    const visible = (el: any) => el.getBoundingClientRect().height > 0 && getComputedStyle(el).display !== "none";
    const views = [];
    for (const view of panel.content.node.querySelectorAll(".sockets-view")) {
      view.scrollIntoView({ block: "center" });
      await new Promise((resolve: any) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const imgs = [...view.querySelectorAll("img")].filter(visible);
      views.push({
        svg: [...view.querySelectorAll("svg")].filter(visible).length,
        img: imgs.length,
        imgDecoded: imgs.every((img: any) => img.complete && img.naturalWidth === Number(img.getAttribute("width")) && img.naturalHeight === Number(img.getAttribute("height"))),
        text: view.innerText.trim(),
      });
    }
    const outputs = [...panel.content.node.querySelectorAll(".jp-OutputArea-output")];
    return {
      views,
      tables: panel.content.node.querySelectorAll("table.sockets-table").length,
      outputText: outputs.map((o: any) => o.innerText).join("\n"),
    };
  }, path);
}

/** Opens `paths` in one page (JupyterLab: tabs of one page; Notebook 7: the first only) and waits until their outputs are drawn. */
async function open(frontEnd: LuminoFrontEnd, paths: string[]): Promise<Page> {
  const page = await chromium!.browser.newPage();
  const url = frontEnd === "lab" ? `${server!.baseUrl}lab/tree/${paths[0]}?reset&token=${server!.token}` : `${server!.baseUrl}notebooks/${paths[0]}?token=${server!.token}`;
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: OPEN_DEADLINE_MS });
  for (const [i, path] of paths.entries()) {
    if (i > 0) await page.evaluate((p: string) => window.jupyterapp.commands.execute("docmanager:open", { path: p, options: { mode: "split-right" } }), path);
    try {
      await page.waitForFunction(
        (p: string, n: number) => {
          const panel = window.jupyterapp && [...window.jupyterapp.shell.widgets("main")].find((w: any) => w.context?.path === p);
          return panel && panel.context.isReady && panel.content.node.querySelectorAll(".sockets-view, table.sockets-table").length >= n;
        },
        { timeout: OPEN_DEADLINE_MS, polling: 100 },
        path,
        expected.pictures + expected.tables,
      );
    } catch (err) {
      throw new Error(`${path}: its views were not drawn within ${OPEN_DEADLINE_MS / 1000} s (${(err as Error).message.split("\n")[0]})`);
    }
  }
  return page;
}

function assertUntrusted(got: Shown, what: string): void {
  assert.equal(got.views.length, expected.pictures, `${what}: one view per drawing`);
  for (const [i, view] of got.views.entries()) {
    assert.deepEqual({ svg: view.svg, img: view.img, imgDecoded: view.imgDecoded, text: view.text }, { svg: 0, img: 1, imgDecoded: true, text: "" }, `${what}: drawing ${i + 1} should be its PNG alone`);
  }
  assert.equal(got.tables, expected.tables, `${what}: the socket tables`);
  // The labels of the wire view as the sanitizer ran them together (issue 18).
  assert.doesNotMatch(got.outputText, /since the previous view\s*romeo/, `${what}: scrambled SVG labels`);
  assert.doesNotMatch(got.outputText, /10\.10\.0\.100\s*juliet/, `${what}: scrambled SVG labels`);
}

function assertTrusted(got: Shown, what: string): void {
  assert.equal(got.views.length, expected.pictures, `${what}: one view per drawing`);
  for (const [i, view] of got.views.entries()) {
    assert.deepEqual({ svg: view.svg, img: view.img }, { svg: 1, img: 0 }, `${what}: drawing ${i + 1} should be its inline SVG alone`);
    assert.match(view.text, /romeo/, `${what}: drawing ${i + 1}'s SVG labels`);
  }
  assert.equal(got.tables, expected.tables, `${what}: the socket tables`);
}

function trust(path: string): void {
  const result = spawnSync(join(venv!, "jupyter"), ["trust", path], { encoding: "utf8", timeout: 60_000 });
  assert.equal(result.status, 0, result.stdout + result.stderr);
}

/** Takes the notebook's signature out of the user's trust database again (nothing left behind). */
function untrust(path: string): void {
  const code = "import sys, nbformat, nbformat.sign as sign\nnotary = sign.NotebookNotary()\nnb = nbformat.read(sys.argv[1], as_version=4)\nnotary.unsign(nb)\nprint(notary.check_signature(nb))";
  const result = spawnSync(join(venv!, "python"), ["-c", code, path], { encoding: "utf8", timeout: 60_000 });
  assert.equal(result.stdout.trim(), "False", `${path} should be untrusted again: ${result.stderr}`);
}

before(async () => {
  if (skip) return;
  mkdirSync(join(projectRoot, "dist", "test-scratch"), { recursive: true });
  scratch = mkdtempSync(join(projectRoot, "dist", "test-scratch", "frontends-handout-"));
  takeLabDownOnSignal(lab, endBrowserTestNow(() => ({ chromium, server, scratch })));
  // The real handout (its own lab, same prefix, taken down again by the run).
  const run = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "runner", "walkthrough.js"), "udp", "--save", join(scratch, "handout"), "--html"], {
    cwd: projectRoot,
    env: { ...process.env, SOCKETS_LAB_PREFIX: prefix },
    encoding: "utf8",
    timeout: 180_000,
  });
  assert.equal(run.status, 0, run.stdout.slice(-3000) + run.stderr);
  const notebook = JSON.parse(readFileSync(join(scratch, "handout", "01-udp-juliet.ipynb"), "utf8"));
  const outputs = notebook.cells.flatMap((cell: { outputs?: { data?: Record<string, string> }[] }) => cell.outputs ?? []);
  expected = {
    pictures: outputs.filter((o: { data?: Record<string, string> }) => o.data?.["image/png"]).length,
    tables: outputs.filter((o: { data?: Record<string, string> }) => o.data?.["text/html"]?.startsWith("<table")).length,
  };
  assert.ok(expected.pictures >= 3 && expected.tables >= 2, `juliet's handout has its topology, wire views and tables: ${JSON.stringify(expected)}`);
  // A copy of it that no one trusts (trust goes by content: one field more makes it another notebook).
  notebook.metadata.copied = true;
  writeFileSync(join(scratch, "handout", "copy-juliet.ipynb"), JSON.stringify(notebook, null, 1) + "\n");
  // The kernels the opened notebooks start (JupyterLab starts the notebook's kernel).
  await lab.up();
  chromium = await launchChromium();
});

after(async () => {
  if (skip) return;
  const profile = chromium?.profileDir;
  await chromium?.close();
  await server?.stop();
  await lab.down();
  rmSync(scratch, { recursive: true, force: true });
  assert.deepEqual(namespaces().filter((ns) => ns.startsWith(prefix)), [], "namespaces left behind");
  if (profile) {
    assert.deepEqual(chromiumProcesses(profile), [], "chromium processes left behind");
    assert.equal(existsSync(profile), false, "the browser profile folder was left behind");
  }
});

test("the handout's views: sizes", { skip }, (t) => {
  const sizes = ["01-udp-juliet.ipynb", "01-udp-romeo.ipynb"].map((name) => `${name} ${(statSync(join(scratch, "handout", name)).size / 1024).toFixed(0)} KB`);
  const notebook = JSON.parse(readFileSync(join(scratch, "handout", "01-udp-juliet.ipynb"), "utf8"));
  const pngs = notebook.cells.flatMap((c: { outputs?: { data?: Record<string, string> }[] }) => c.outputs ?? []).map((o: { data?: Record<string, string> }) => o.data?.["image/png"]).filter(Boolean) as string[];
  const line = `saved notebooks: ${sizes.join(", ")}; juliet's ${pngs.length} PNGs ${pngs.map((p) => (Buffer.from(p, "base64").length / 1024).toFixed(1)).join(", ")} KB`;
  t.diagnostic(line);
  console.log(`frontends-handout: ${line}`);
  for (const name of ["01-udp-juliet.ipynb", "01-udp-romeo.ipynb"]) assert.ok(statSync(join(scratch, "handout", name)).size < 400_000, `${name} stays small`);
});

for (const frontEnd of ["lab", "notebook7"] as LuminoFrontEnd[]) {
  test(`${frontEnd === "lab" ? "JupyterLab 4" : "Notebook 7"}: the handout untrusted shows the PNGs and no scrambled labels, trusted the SVGs`, { skip, timeout: 180_000 }, async () => {
    const dir = join(scratch, frontEnd);
    mkdirSync(dir);
    // Trust goes by content, for the user: the other front end's test trusted the same handout, so
    // each gets its own (one metadata field more).
    for (const name of ["01-udp-juliet.ipynb", "copy-juliet.ipynb"]) {
      const notebook = JSON.parse(readFileSync(join(scratch, "handout", name), "utf8"));
      notebook.metadata.opened_in = frontEnd;
      writeFileSync(join(dir, name), JSON.stringify(notebook, null, 1) + "\n");
    }
    server = await startJupyter({ notebookDir: dir, lab, log: "capture", frontEnd: frontEnd as FrontEnd, exposeApp: true });
    const errors = new PageErrors(frontEnd);
    try {
      let page = await open(frontEnd, ["01-udp-juliet.ipynb"]);
      errors.watch(page);
      assertUntrusted(await shown(page, "01-udp-juliet.ipynb"), `${frontEnd}, untrusted`);
      await page.close();

      trust(join(dir, "01-udp-juliet.ipynb"));
      page = await open(frontEnd, frontEnd === "lab" ? ["01-udp-juliet.ipynb", "copy-juliet.ipynb"] : ["01-udp-juliet.ipynb"]);
      errors.watch(page);
      assertTrusted(await shown(page, "01-udp-juliet.ipynb"), `${frontEnd}, trusted`);
      if (frontEnd === "lab") assertUntrusted(await shown(page, "copy-juliet.ipynb"), "lab, an untrusted copy beside the trusted notebook");
      await page.close();
      assert.deepEqual(errors.errors, [], `${frontEnd}: page or console errors`);
    } finally {
      await server.stop();
      server = undefined;
      untrust(join(dir, "01-udp-juliet.ipynb"));
    }
  });
}

test("nbconvert's HTML of the handout (the venv's nbconvert 7, and --html's) draws the SVG, not the PNG", { skip, timeout: 120_000 }, async () => {
  const notebook = join(scratch, "handout", "01-udp-juliet.ipynb");
  const out = join(scratch, "nbconvert7");
  const result = spawnSync(join(venv!, "jupyter-nbconvert"), ["--to", "html", "--log-level=WARN", "--output-dir", out, notebook], { encoding: "utf8", timeout: 120_000 });
  assert.equal(result.status, 0, result.stderr);
  for (const html of [join(out, "01-udp-juliet.html"), join(scratch, "handout", "01-udp-juliet.html")]) {
    const page = await chromium!.browser.newPage();
    try {
      await page.goto(`file://${html}`, { waitUntil: "load", timeout: OPEN_DEADLINE_MS });
      const views = await page.evaluate(() => {
        const visible = (el: any) => el.getBoundingClientRect().height > 0 && getComputedStyle(el).display !== "none";
        return [...document.querySelectorAll(".sockets-view")].map((view: any) => ({
          svg: [...view.querySelectorAll("svg")].filter(visible).length,
          img: [...view.querySelectorAll("img")].filter(visible).length,
        }));
      });
      assert.equal(views.length, expected.pictures, `${html}: one view per drawing`);
      assert.deepEqual(views, views.map(() => ({ svg: 1, img: 0 })), `${html}: each drawing its SVG alone`);
    } finally {
      await page.close();
    }
  }
});
