// The handout: `npm run walkthrough -- --save DIR --html` writes each host's notebook as executed
// (valid nbformat 4, outputs and display bundles in place, counts in run order, kernelspec kept)
// and HTML pages from the distribution's nbconvert. The last test runs the real walkthrough (root).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HandoutError } from "../src/common/errors";
import type { TranscriptEntry } from "../src/session/cell-recorder";
import { renderTopologySvg, viewBundle } from "@sockets-typescript/notebook";
import { executedNotebook, saveNotebooks, toHtml } from "../src/runner/save-notebooks";
import { namespaces, needsRoot, projectRoot, testLab } from "./support/lab-fixture";

mkdirSync(join(projectRoot, "dist", "test-scratch"), { recursive: true });
const scratch = mkdtempSync(join(projectRoot, "dist", "test-scratch", "handout-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** nbformat's own validator (the distribution's python3-nbformat): "valid" or its complaint. */
function validate(file: string): string {
  const code = "import sys, nbformat\nnb = nbformat.read(sys.argv[1], as_version=nbformat.NO_CONVERT)\nnbformat.validate(nb)\nprint('valid', nb.nbformat)";
  const result = spawnSync("/usr/bin/python3", ["-c", code, file], { encoding: "utf8", timeout: 60_000 });
  return (result.stdout + result.stderr).trim();
}

const romeoTcp = join(projectRoot, "notebooks", "02-tcp-romeo.ipynb");
const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10"><text x="0" y="9">SYN</text></svg>';
const entry = (index: number, position: number, outputs: TranscriptEntry["outputs"]): TranscriptEntry => ({
  index, host: "romeo", step: "T4", position, code: "", raisesException: false, waitsForPeer: false, status: "ok", stdout: "", stderr: "", ms: 1, outputs,
});

test("an executed notebook keeps every field, puts each run's outputs under its cell, numbers the cells in run order, and merges printed lines", () => {
  const original = JSON.parse(readFileSync(romeoTcp, "utf8"));
  const notebook = executedNotebook(romeoTcp, [
    entry(7, 5, [{ output_type: "stream", name: "stdout", text: "sent " }, { output_type: "stream", name: "stdout", text: "51\n" }]),
    entry(2, 3, [{ output_type: "display_data", data: { "image/svg+xml": svg, "text/plain": "romeo -> juliet SYN" }, metadata: {} }]),
  ]);
  assert.deepEqual(notebook.metadata, original.metadata, "the kernelspec and the rest of the metadata are kept");
  assert.equal(notebook.cells.length, original.cells.length);
  assert.equal(notebook.cells[2].execution_count, 1);
  assert.deepEqual(notebook.cells[2].outputs, [{ output_type: "display_data", data: { "image/svg+xml": svg, "text/plain": "romeo -> juliet SYN" }, metadata: {} }]);
  assert.equal(notebook.cells[4].execution_count, 2);
  assert.deepEqual(notebook.cells[4].outputs, [{ output_type: "stream", name: "stdout", text: "sent 51\n" }]);
  // The first code cell after those two (pedagogy's inserted cells move it; find it, don't count).
  const notRun = original.cells.findIndex((cell: { cell_type: string }, i: number) => i > 4 && cell.cell_type === "code");
  assert.ok(notRun > 4, "the notebook has a code cell after the fifth");
  assert.deepEqual(notebook.cells[notRun].outputs, [], "a cell that did not run has no outputs");
  assert.equal(notebook.cells[notRun].execution_count, null);
});

test("a view's bundle as the kernel sent it (no PNG) is saved with its PNG, in the <img> and as image/png", () => {
  const kernel = viewBundle(renderTopologySvg({ host: "romeo", interface: "lan0" }), "topology", { png: false });
  const notebook = executedNotebook(romeoTcp, [entry(1, 3, [{ output_type: "display_data", data: { ...kernel }, metadata: {} }])]);
  const data = notebook.cells[2].outputs![0] as { data: Record<string, string> };
  assert.deepEqual(Object.keys(data.data).sort(), ["image/png", "image/svg+xml", "text/html", "text/plain"]);
  assert.ok(data.data["text/html"].includes(`<img class="sockets-untrusted sockets-png" src="data:image/png;base64,${data.data["image/png"]}"`));
});

test("saved notebooks validate with nbformat, and their HTML pages draw the SVG", () => {
  const dir = join(scratch, "unit");
  const [saved] = saveNotebooks(dir, [{ path: romeoTcp, entries: [entry(1, 3, [{ output_type: "display_data", data: { "image/svg+xml": svg, "text/plain": "romeo -> juliet SYN" }, metadata: {} }])] }], true);
  assert.equal(saved.notebook, join(dir, "02-tcp-romeo.ipynb"));
  assert.equal(validate(saved.notebook), "valid 4");
  const html = readFileSync(saved.html!, "utf8");
  assert.match(html, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="40" height="10"><text x="0" y="9">SYN<\/text><\/svg>/);
});

test("a folder that cannot be made, or a file nbconvert cannot read, is a HandoutError saying so", () => {
  const blocker = join(scratch, "a-file");
  writeFileSync(blocker, "");
  assert.throws(() => saveNotebooks(join(blocker, "sub"), [], false), (err: unknown) => {
    assert.ok(err instanceof HandoutError);
    assert.equal(err.code, "ERR_HANDOUT_NOT_WRITABLE");
    assert.match(err.message, /^cannot create .*a-file\/sub: ENOTDIR/);
    return true;
  });
  const broken = join(scratch, "broken.ipynb");
  writeFileSync(broken, "{ not json");
  assert.throws(() => toHtml(broken), (err: unknown) => {
    assert.ok(err instanceof HandoutError);
    assert.equal(err.code, "ERR_HANDOUT_HTML_FAILED");
    assert.match(err.message, /^\/usr\/bin\/jupyter-nbconvert --to html .*broken\.ipynb failed \(exit status 1: /);
    return true;
  });
});

test("--html without --save is a usage error (exit 2), before any lab is touched", () => {
  const result = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "runner", "walkthrough.js"), "--html"], { encoding: "utf8", timeout: 30_000 });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /^walkthrough: --html needs --save DIR \(the HTML pages go next to the saved notebooks\); usage: npm run walkthrough/);
});

test("npm run walkthrough -- tcp --save DIR --html writes both hosts' executed notebooks and their HTML pages", { skip: needsRoot }, async () => {
  const prefix = "ho-";
  const dir = join(scratch, "handout");
  try {
    const result = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "runner", "walkthrough.js"), "tcp", "--save", dir, "--html"], {
      cwd: projectRoot,
      env: { ...process.env, SOCKETS_LAB_PREFIX: prefix },
      encoding: "utf8",
      timeout: 180_000,
    });
    assert.equal(result.status, 0, result.stdout.slice(-3000) + result.stderr);
    for (const host of ["juliet", "romeo"]) {
      const file = join(dir, `02-tcp-${host}.ipynb`);
      assert.match(result.stdout, new RegExp(`saved ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} and .*02-tcp-${host}\\.html`));
      assert.equal(validate(file), "valid 4", file);
      const notebook = JSON.parse(readFileSync(file, "utf8"));
      assert.equal(notebook.metadata.kernelspec.name, `ts-${host}`);
      const counts = notebook.cells.filter((c: { cell_type: string }) => c.cell_type === "code").map((c: { execution_count: number | null }) => c.execution_count);
      assert.deepEqual(counts, counts.map((_: unknown, i: number) => i + 1), `${host}: every code cell ran, numbered in order`);
      // Only standard MIME types (what JupyterLab and nbconvert render): no Notebook-6-only JavaScript.
      for (const cell of notebook.cells) {
        for (const output of cell.outputs ?? []) {
          for (const mime of Object.keys(output.data ?? {})) assert.ok(["text/plain", "text/html", "image/svg+xml", "image/png"].includes(mime), `${host}: output of MIME type ${mime}`);
          if (output.data) assert.ok(output.data["text/plain"], `${host}: a display bundle without a text/plain fallback`);
        }
      }
    }
    const romeo = readFileSync(join(dir, "02-tcp-romeo.html"), "utf8");
    assert.match(romeo, /ConnectionRefusedError: \[Errno 111\] Connection refused/);
    // T6's handshake diagram, drawn whole: SYN, SYN-ACK, ACK arrows in that order.
    assert.match(romeo, /<svg [^>]*class="sockets-wire"[\s\S]*?data-flags="SYN"[\s\S]*?data-flags="SYN,ACK"[\s\S]*?data-flags="ACK"/);
    assert.match(romeo, /<text[^>]*><tspan[^>]*>TCP<\/tspan> \[SYN, ACK\] seq=0 ack=1/, "the arrows' labels survive nbconvert");
    assert.match(romeo, /connected &lt;socket\.socket fd=\d+, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=\(&#39;10\.10\.0\.100&#39;, \d+\), raddr=\(&#39;10\.10\.0\.101&#39;, 4000\)&gt;/);
    const juliet = readFileSync(join(dir, "02-tcp-juliet.html"), "utf8");
    assert.match(juliet, /<table class="sockets-table"[\s\S]*?data-state="LISTEN"/);
    assert.match(juliet, /data-state="CLOSE-WAIT"/);
  } finally {
    await testLab(prefix).down();
  }
  assert.deepEqual(namespaces().filter((ns) => ns.startsWith(prefix)), []);
});
