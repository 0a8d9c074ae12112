// A notebook open in JupyterLab 4 or Notebook 7 (both Lumino apps with the same notebook panel),
// driven as a student drives it: opened with a double-click in the file browser (JupyterLab: a tab
// of the same page, then dragged to the right half; Notebook 7: a new browser tab), a cell
// selected with a click on its prompt and run with Shift-Enter, the toolbar's stop button. The
// page's application object (the server runs with expose_app_in_browser) is read for what the
// page itself keeps (kernel status, the outputs' model with the views' text/plain fallbacks);
// everything a student does goes through the DOM. Every wait has a deadline and says what did not
// happen.
import type { Browser, ConsoleMessage, Page } from "puppeteer-core";
import type { FrontEnd } from "../../src/jupyter/server";

// The functions passed to page.evaluate / waitForFunction run in the page (see notebook-page.ts).
declare const window: any;
declare const document: any;

export type LuminoFrontEnd = Exclude<FrontEnd, "notebook6">;

/** What one cell shows, as notebook-page.ts's CellView. */
export interface CellView {
  count: number;
  stdout: string;
  stderr: string;
  rendered: string;
  /** Printed lines that the rendered page does not show (should be none). */
  missing: string[];
}

/**
 * Notebook 7.6.3's own errors, recorded, never failed on: "reading 'schema'" on every page load (a
 * bare /tree page too), and on the /tree page, when a double-click opens a notebook in a new tab,
 * a console error "reading 'updateRenderOption'" and a page error "reading 'insertWidget'" (both
 * seen on a stock Notebook 7.6.3 server, its own config, opening a plain Python notebook).
 */
const NOTEBOOK7_OWN_ERRORS: { page: RegExp; error: RegExp }[] = [
  { page: /./, error: /Cannot read properties of undefined \(reading 'schema'\)/ },
  { page: /\/tree$/, error: /Cannot read properties of null \(reading '(updateRenderOption|insertWidget)'\)/ },
];

/** Page errors and console errors of every page of the browser, sorted into the project's and the app's known own. */
export class PageErrors {
  readonly errors: string[] = [];
  readonly known: string[] = [];
  constructor(private readonly frontEnd: LuminoFrontEnd) {}

  watch(page: Page): void {
    const add = (text: string) => {
      const url = page.url().replace(/\?.*$/, "");
      const own = this.frontEnd === "notebook7" && NOTEBOOK7_OWN_ERRORS.some((known) => known.page.test(url) && known.error.test(text));
      (own ? this.known : this.errors).push(`${url}: ${text}`);
    };
    page.on("pageerror", (err) => add(`page error: ${(err as Error).message ?? String(err)}`));
    page.on("console", (msg: ConsoleMessage) => {
      if (msg.type() === "error") add(`console error: ${msg.text()}`);
    });
  }
}

/**
 * Polls `fn` in the page until it is true. Every 10 ms: the press-to-output times are measured with
 * it, and a trivial Python cell takes ~10 ms in the kernel (a 50 ms poll once added ~25 ms to each).
 */
async function waitFor<A extends unknown[]>(page: Page, fn: (...args: A) => unknown, deadlineMs: number, what: string, ...args: A): Promise<void> {
  try {
    await page.waitForFunction(fn as any, { timeout: deadlineMs, polling: 10 }, ...args);
  } catch (err) {
    throw new Error(`${what} within ${deadlineMs / 1000} s (${(err as Error).message.split("\n")[0]})`);
  }
}

/** The file browser's entry for `name`, double-clicked (the listing is the server's root). */
async function doubleClickInFileBrowser(page: Page, name: string, deadlineMs: number): Promise<void> {
  const find = (n: string) =>
    [...document.querySelectorAll(".jp-DirListing-item")].find((el: any) => el.querySelector(".jp-DirListing-itemText")?.textContent.trim() === n && el.getBoundingClientRect().height > 0) ?? null;
  await waitFor(page, find, deadlineMs, `the file browser did not show ${name}`, name);
  const item = (await page.evaluateHandle(find, name)) as any;
  await item.evaluate((el: any) => el.scrollIntoView({ block: "center" }));
  await item.click({ count: 2 });
}

export class LuminoNotebook {
  /** From the double-click to the kernel idle and connected, ms. */
  kernelReadyMs = NaN;
  constructor(readonly page: Page, readonly path: string, readonly frontEnd: LuminoFrontEnd) {}

  /** The tab's file browser (JupyterLab's left panel, Notebook 7's /tree page) lists the server's root: open `path` there. */
  static async fromFileBrowser(frontEnd: LuminoFrontEnd, browser: Browser, page: Page, path: string, kernel: string, deadlineMs: number): Promise<LuminoNotebook> {
    const t0 = Date.now();
    let nbPage = page;
    if (frontEnd === "lab") {
      await doubleClickInFileBrowser(page, path, deadlineMs);
    } else {
      // Notebook 7 opens a notebook in a new browser tab (window.open: about:blank, then the
      // notebook's URL; puppeteer's waitForTarget misses that change, so the targets are polled).
      const before = new Set(browser.targets());
      await page.bringToFront(); // back to the file browser's tab (a tab in the background draws no frames)
      await doubleClickInFileBrowser(page, path, deadlineMs);
      const until = Date.now() + deadlineMs;
      for (;;) {
        const target = browser.targets().find((t) => !before.has(t) && t.type() === "page" && t.url().includes(`/notebooks/${path}`));
        const opened = target && (await target.page());
        if (opened) {
          nbPage = opened;
          break;
        }
        if (Date.now() > until) throw new Error(`${path}: no browser tab with the notebook opened within ${deadlineMs / 1000} s of the double-click (tabs: ${browser.targets().map((t) => t.url()).join(", ")})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const nb = new LuminoNotebook(nbPage, path, frontEnd);
    await waitFor(
      nbPage,
      (p: string) => {
        const app = window.jupyterapp;
        const panel = app && [...app.shell.widgets("main")].find((w: any) => w.context?.path === p);
        const kernel = panel?.sessionContext?.session?.kernel;
        return kernel?.status === "idle" && kernel?.connectionStatus === "connected" && panel.content.widgets.length > 0;
      },
      deadlineMs,
      `${path}: the kernel did not come up idle`,
      path,
    );
    nb.kernelReadyMs = Date.now() - t0;
    const info = await nbPage.evaluate((p: string) => {
      const panel = [...window.jupyterapp.shell.widgets("main")].find((w: any) => w.context?.path === p);
      panel.node.setAttribute("data-test-path", p);
      return { kernel: panel.sessionContext.session.kernel.name, dialogs: document.querySelectorAll(".jp-Dialog").length };
    }, path);
    if (info.kernel !== kernel) throw new Error(`${path}: the page started kernel ${info.kernel}, not the notebook's ${kernel}`);
    if (info.dialogs !== 0) throw new Error(`${path}: a dialog is open (the kernel should come from the notebook's metadata)`);
    return nb;
  }

  /** The panel's CSS selector. */
  private get panel(): string {
    return `[data-test-path="${this.path}"]`;
  }

  async bringToFront(): Promise<void> {
    await this.page.bringToFront();
  }

  /** The cell's element (0-based model index = position - 1). */
  private async cellHandle(position: number): Promise<any> {
    const handle = await this.page.evaluateHandle(
      (p: string, i: number) => [...window.jupyterapp.shell.widgets("main")].find((w: any) => w.context?.path === p)?.content.widgets[i]?.node ?? null,
      this.path,
      position - 1,
    );
    if ((await handle.evaluate((el: any) => el === null)) as boolean) throw new Error(`${this.path}: no cell ${position}`);
    return handle;
  }

  async prompt(position: number): Promise<string> {
    return (await this.cellHandle(position)).evaluate((el: any) => (el.querySelector(".jp-InputPrompt")?.textContent ?? "").replace(/\u00a0/g, " ").trim());
  }

  /** Selects the cell (a click on its prompt: command mode) and presses Shift-Enter. */
  async start(position: number): Promise<void> {
    const cell = await this.cellHandle(position);
    const prompt = await cell.$(".jp-InputPrompt");
    await prompt.click();
    await this.page.keyboard.down("Shift");
    await this.page.keyboard.press("Enter");
    await this.page.keyboard.up("Shift");
  }

  async finish(position: number, deadlineMs: number): Promise<CellView> {
    await waitFor(
      this.page,
      (p: string, i: number) => {
        const cell = [...window.jupyterapp.shell.widgets("main")].find((w: any) => w.context?.path === p)?.content.widgets[i];
        return /\[\d+\]/.test(cell?.node.querySelector(".jp-InputPrompt")?.textContent ?? "") && cell.model.executionState !== "running";
      },
      deadlineMs,
      `${this.path}: cell ${position} did not finish (its prompt still shows [*])`,
      this.path,
      position - 1,
    );
    return this.view(position);
  }

  async view(position: number): Promise<CellView> {
    const got = await this.page.evaluate(
      (p: string, i: number) => {
        const cell = [...window.jupyterapp.shell.widgets("main")].find((w: any) => w.context?.path === p).content.widgets[i];
        const outputs: any[] = cell.model.outputs.toJSON();
        const text = (o: any) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? ""));
        const plain = (o: any) => {
          const t = o.data?.["text/plain"] ?? "";
          return (Array.isArray(t) ? t.join("") : t) + "\n";
        };
        return {
          prompt: cell.node.querySelector(".jp-InputPrompt")?.textContent ?? "",
          rendered: cell.node.querySelector(".jp-Cell-outputArea")?.innerText ?? "",
          stdout: outputs.map((o) => (o.output_type === "stream" ? (o.name === "stderr" ? "" : text(o)) : o.output_type === "error" ? "" : plain(o))).join(""),
          stderr: outputs.map((o) => (o.output_type === "stream" && o.name === "stderr" ? text(o) : o.output_type === "error" ? `${o.ename}: ${o.evalue}\n` : "")).join(""),
          printed: outputs.filter((o) => o.output_type === "stream").map(text).join(""),
        };
      },
      this.path,
      position - 1,
    );
    const squash = (t: string) => t.replace(/\s+/g, " ").trim();
    const shown = squash(got.rendered);
    const missing = got.printed.split("\n").filter((line: string) => squash(line) !== "" && !shown.includes(squash(line)));
    return { count: Number(/\[(\d+)\]/.exec(got.prompt)?.[1] ?? NaN), stdout: got.stdout, stderr: got.stderr, rendered: got.rendered, missing };
  }

  /** Tables the page drew under the cell (HTML tables survive the sanitizer of an untrusted notebook). */
  async tables(position: number): Promise<number> {
    return (await this.cellHandle(position)).evaluate((el: any) => el.querySelectorAll(".jp-Cell-outputArea table").length);
  }

  /** Adds a code cell at the end with `code` (as pasted); returns its position. */
  async appendCell(code: string): Promise<number> {
    return this.page.evaluate(
      (p: string, source: string) => {
        const panel = [...window.jupyterapp.shell.widgets("main")].find((w: any) => w.context?.path === p);
        const n = panel.content.model.cells.length;
        panel.content.model.sharedModel.insertCell(n, { cell_type: "code", source });
        return n + 1;
      },
      this.path,
      code,
    );
  }

  /** The notebook toolbar's stop button (interrupt the kernel). */
  async pressStop(): Promise<void> {
    const button = await this.page.$(`${this.panel} .jp-Toolbar-item[data-jp-item-name="interrupt"] button, ${this.panel} [data-jp-item-name="interrupt"] jp-button`);
    if (!button) throw new Error(`${this.path}: no stop (interrupt) button in the notebook's toolbar`);
    await button.click();
  }

  async waitForOutput(position: number, text: string, deadlineMs: number): Promise<void> {
    await waitFor(
      this.page,
      (p: string, i: number, wanted: string) =>
        ([...window.jupyterapp.shell.widgets("main")].find((w: any) => w.context?.path === p)?.content.widgets[i]?.node.querySelector(".jp-Cell-outputArea")?.innerText ?? "").includes(wanted),
      deadlineMs,
      `${this.path}: cell ${position} did not show ${JSON.stringify(text)}`,
      this.path,
      position - 1,
      text,
    );
  }

  async kernelState(): Promise<string> {
    return this.page.evaluate((p: string) => [...window.jupyterapp.shell.widgets("main")].find((w: any) => w.context?.path === p)?.sessionContext.session?.kernel?.status ?? "unknown", this.path);
  }

  async screenshot(file: string): Promise<void> {
    await this.page.bringToFront();
    await this.page.screenshot({ path: file as `${string}.png` });
  }
}

/**
 * JupyterLab: the tab of `path` dragged to the right half of the main area, as a student puts the
 * pair side by side. Returns the number of tab bars in the main area afterwards (2 when split).
 */
export async function dragTabToRightHalf(page: Page, path: string): Promise<number> {
  const name = path.split("/").at(-1)!;
  const tab = (await page.evaluateHandle(
    (n: string) => [...document.querySelectorAll("#jp-main-dock-panel .lm-TabBar-tab")].find((el: any) => el.querySelector(".lm-TabBar-tabLabel")?.textContent.trim() === n) ?? null,
    name,
  )) as any;
  if (await tab.evaluate((el: any) => el === null)) throw new Error(`no tab ${name} in the main area`);
  const from = await tab.boundingBox();
  const dock = await page.$("#jp-main-dock-panel");
  const area = (await dock!.boundingBox())!;
  const to = { x: area.x + area.width * 0.9, y: area.y + area.height * 0.5 };
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 20, from.y + from.height / 2 + 20, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 10 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await page.mouse.up();
  await new Promise((resolve) => setTimeout(resolve, 300));
  return page.evaluate(() => document.querySelectorAll("#jp-main-dock-panel .lm-DockPanel-tabBar").length);
}
