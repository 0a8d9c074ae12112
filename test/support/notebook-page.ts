// One notebook open in a Notebook 6 tab, driven as a student drives it: select a cell, Shift-Enter
// (or the toolbar's Run button), watch the prompt go from [*] to a number, read what the page shows,
// press the toolbar's stop button. Every wait has a deadline and says what did not happen.
import type { ElementHandle, Page } from "puppeteer-core";

/** What one cell shows under it after it ran: the page's rendered text, split as the student sees it. */
export interface CellView {
  /** The number in the prompt, In [n]. */
  count: number;
  /** Printed text and the views' text/plain fallbacks, in order. */
  stdout: string;
  /** Text of the red stderr / error outputs (tslab prints errors on stderr). */
  stderr: string;
  /** The outputs as the page renders them (innerText). */
  rendered: string;
  /** Printed lines that the rendered page does not show (should be none). */
  missing: string[];
}

export type RunWith = "shift-enter" | "run-button";

const CELLS = "#notebook-container > .cell";

// The functions passed to page.evaluate / waitForFunction run in the page. The project compiles
// without the DOM library (Node code); these module-local names type them loosely.
declare const window: any;
declare const document: any;
type HTMLElement = any;
type Element = any;

export class NotebookPage {
  constructor(readonly page: Page, readonly name: string) {}

  /** Opens `path` (relative to the server's root) and waits until its kernel is connected and idle. */
  static async open(page: Page, baseUrl: string, token: string, path: string, deadlineMs: number): Promise<NotebookPage> {
    await page.goto(`${baseUrl}notebooks/${path}?token=${token}`, { waitUntil: "domcontentloaded", timeout: deadlineMs });
    const nb = new NotebookPage(page, path);
    await nb.waitFor(
      // The page's own state only for the wait: the kernel indicator a student looks at says idle.
      () => {
        const w = window as any;
        return Boolean(w.Jupyter?.notebook?.kernel?.is_connected?.() && document.querySelector("#kernel_indicator_icon.kernel_idle_icon"));
      },
      deadlineMs,
      `${path}: the kernel did not come up idle`,
    );
    return nb;
  }

  async bringToFront(): Promise<void> {
    await this.page.bringToFront();
  }

  private async waitFor<A extends unknown[]>(fn: (...args: A) => unknown, deadlineMs: number, what: string, ...args: A): Promise<void> {
    try {
      await this.page.waitForFunction(fn as any, { timeout: deadlineMs, polling: 100 }, ...args);
    } catch (err) {
      throw new Error(`${what} within ${deadlineMs / 1000} s (${(err as Error).message.split("\n")[0]})`);
    }
  }

  private async cell(position: number): Promise<ElementHandle<Element>> {
    const cells = await this.page.$$(CELLS);
    const cell = cells[position - 1];
    if (!cell) throw new Error(`${this.name}: no cell ${position} on the page (it has ${cells.length})`);
    return cell;
  }

  async cellCount(): Promise<number> {
    return (await this.page.$$(CELLS)).length;
  }

  /** The prompt text of a cell, e.g. "In [*]:" or "In [4]:". */
  async prompt(position: number): Promise<string> {
    const cell = await this.cell(position);
    return cell.$eval(".input_prompt", (el) => (el.textContent ?? "").replace(/\u00a0/g, " ").trim());
  }

  /** Selects the cell (a click on its prompt: command mode) and runs it; does not wait for the end. */
  async start(position: number, how: RunWith): Promise<void> {
    const cell = await this.cell(position);
    await (await cell.$(".input_prompt"))!.click();
    if (how === "run-button") {
      await this.page.click('#maintoolbar button[data-jupyter-action="jupyter-notebook:run-cell-and-select-next"]');
    } else {
      await this.page.keyboard.down("Shift");
      await this.page.keyboard.press("Enter");
      await this.page.keyboard.up("Shift");
    }
  }

  /** Waits until the cell's prompt shows a number (not [*], not empty) and returns what the cell shows. */
  async finish(position: number, deadlineMs: number): Promise<CellView> {
    await this.waitFor(
      (selector: string, index: number) => /\[\d+\]/.test(document.querySelectorAll(selector)[index]?.querySelector(".input_prompt")?.textContent ?? ""),
      deadlineMs,
      `${this.name}: cell ${position} did not finish (its prompt still shows [*])`,
      CELLS,
      position - 1,
    );
    return this.view(position);
  }

  async run(position: number, how: RunWith, deadlineMs: number): Promise<CellView> {
    await this.start(position, how);
    return this.finish(position, deadlineMs);
  }

  /**
   * What the cell shows now. The page renders a view's text/html (a table, an SVG); the runner's
   * checks read views by their text/plain fallback, which the page keeps in its output model: the
   * texts come from that model (the same outputs the page draws), and `missing` lists printed
   * lines of the model that the rendered page does not show.
   */
  async view(position: number): Promise<CellView> {
    const cell = await this.cell(position);
    const rendered: string = await cell.evaluate((el: any) => el.querySelector(".output_wrapper")?.innerText ?? "");
    const model = await this.page.evaluate((index: number) => {
      const outputs: any[] = window.Jupyter.notebook.get_cell(index).output_area.outputs;
      const text = (o: any) => (Array.isArray(o.text) ? o.text.join("") : o.text ?? "");
      const plain = (o: any) => {
        const p = o.data?.["text/plain"] ?? "";
        return (Array.isArray(p) ? p.join("") : p) + "\n";
      };
      return {
        stdout: outputs.map((o) => (o.output_type === "stream" ? (o.name === "stderr" ? "" : text(o)) : o.output_type === "error" ? "" : plain(o))).join(""),
        stderr: outputs.map((o) => (o.output_type === "stream" && o.name === "stderr" ? text(o) : o.output_type === "error" ? `${o.ename}: ${o.evalue}\n` : "")).join(""),
        printed: outputs.filter((o) => o.output_type === "stream").map(text).join(""),
      };
    }, position - 1);
    const prompt = await this.prompt(position);
    const squash = (t: string) => t.replace(/\s+/g, " ").trim();
    const shown = squash(rendered);
    const missing = model.printed.split("\n").filter((line: string) => squash(line) !== "" && !shown.includes(squash(line)));
    return { count: Number(/\[(\d+)\]/.exec(prompt)?.[1] ?? NaN), stdout: model.stdout, stderr: model.stderr, rendered, missing };
  }

  /** Facts about the views the page drew in a cell: wire packets, socket rows, topology hosts. */
  async drawn(position: number): Promise<{ packets: { from: string; to: string; src: string; dst: string; proto: string; flags: string; icmp: string }[]; rows: { state: string; change: string }[]; topology: { host: string; here: boolean }[]; svgs: number; tables: number }> {
    const cell = await this.cell(position);
    return cell.evaluate((el: any) => {
      const attr = (e: any, name: string) => e.getAttribute(name) ?? "";
      return {
        packets: [...el.querySelectorAll(".output_wrapper svg.sockets-wire g.wire-packet")].map((g: any) => ({
          from: attr(g, "data-from"), to: attr(g, "data-to"), src: attr(g, "data-src"), dst: attr(g, "data-dst"), proto: attr(g, "data-proto"), flags: attr(g, "data-flags"), icmp: attr(g, "data-icmp"),
        })),
        rows: [...el.querySelectorAll(".output_wrapper table.sockets-table tr.socket-row")].map((tr: any) => ({ state: attr(tr, "data-state"), change: attr(tr, "data-change") })),
        topology: [...el.querySelectorAll(".output_wrapper svg.sockets-topology g.topology-host")].map((g: any) => ({ host: attr(g, "data-host"), here: g.classList.contains("topology-host-here") })),
        svgs: el.querySelectorAll(".output_wrapper svg").length,
        tables: el.querySelectorAll(".output_wrapper table").length,
      };
    });
  }

  /** The HTML of the cell's outputs, for checking the rich views (SVG, tables) are in the DOM. */
  async outputHtml(position: number): Promise<string> {
    const cell = await this.cell(position);
    return cell.evaluate((el) => el.querySelector(".output_wrapper")?.innerHTML ?? "");
  }

  /**
   * Adds a cell at the end with `code` in it, as a student pastes code into a new cell: the last
   * cell selected, "b" in command mode inserts below, the text goes into the new cell's editor.
   */
  async appendCell(code: string): Promise<number> {
    const last = await this.cellCount();
    await (await (await this.cell(last)).$(".input_prompt"))!.click();
    await this.page.keyboard.press("Escape");
    await this.page.keyboard.press("b");
    const position = last + 1;
    await this.waitFor((selector: string, n: number) => document.querySelectorAll(selector).length >= n, 5_000, `${this.name}: no new cell after "b"`, CELLS, position);
    // Pasted, not typed: the editor's bracket auto-closing would change typed code.
    await this.page.evaluate((text: string) => (window as any).Jupyter.notebook.get_selected_cell().set_text(text), code);
    return position;
  }

  /** The toolbar's stop button (interrupt the kernel). */
  async pressStop(): Promise<void> {
    await this.page.click('#maintoolbar button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]');
  }

  /** Waits until a cell's output contains `text` (a cell still running prints as it goes). */
  async waitForOutput(position: number, text: string, deadlineMs: number): Promise<void> {
    await this.waitFor(
      (selector: string, index: number, wanted: string) => ((document.querySelectorAll(selector)[index] as HTMLElement | undefined)?.querySelector(".output_wrapper") as HTMLElement | null)?.innerText.includes(wanted) ?? false,
      deadlineMs,
      `${this.name}: cell ${position} did not show ${JSON.stringify(text)}`,
      CELLS,
      position - 1,
      text,
    );
  }

  /** The kernel indicator a student sees: "idle", "busy", "dead", ... */
  async kernelState(): Promise<string> {
    return this.page.evaluate(() => {
      const icon = document.querySelector("#kernel_indicator_icon");
      const match = /kernel_(\w+)_icon/.exec(icon?.className ?? "");
      return match?.[1] ?? "unknown";
    });
  }

  /**
   * The whole notebook in one PNG. Notebook 6 scrolls inside #site (the page itself never scrolls),
   * so the fixed-height layout is undone first; this changes only how the page is drawn.
   */
  async screenshot(file: string): Promise<void> {
    // A tab in the background draws no frames: a screenshot of it would wait forever.
    await this.page.bringToFront();
    await this.page.addStyleTag({ content: "html, body, #site { height: auto !important; overflow: visible !important; } #header { position: static !important; }" });
    await this.page.screenshot({ path: file as `${string}.png`, fullPage: true });
  }

  /** One cell (input and outputs) as a PNG, e.g. for the docs. */
  async screenshotCell(position: number, file: string): Promise<void> {
    const cell = await this.cell(position);
    await this.page.bringToFront(); // (scrolling the cell into view waits for a frame)
    await cell.screenshot({ path: file as `${string}.png` });
  }
}
