// The committed notebooks: clean (no outputs, no execution counts), each on its host's kernel,
// each linking its partner, setup and step cells where the runner expects them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

const root = join(__dirname, "..", "..");
const cleanScript = join(root, "scripts", "clean-notebooks.mjs");
const notebookDirs = [join(root, "notebooks"), join(root, "notebooks", "solutions")];
const notebookFiles = notebookDirs.flatMap((dir) =>
  readdirSync(dir).filter((name) => name.endsWith(".ipynb")).map((name) => join(dir, name)),
);

interface Cell { cell_type: string; source: string[] | string; metadata: { tags?: string[] }; outputs?: unknown[]; execution_count?: number | null }
interface Notebook { cells: Cell[]; metadata: { kernelspec?: { name: string; display_name: string; language: string } } }

const read = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Notebook;
const text = (cell: Cell) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source);
const runClean = (...args: string[]) => spawnSync(process.execPath, [cleanScript, ...args], { encoding: "utf8" });

test("there are walkthrough, starter and solution notebooks for both hosts", () => {
  const names = notebookFiles.map((file) => file.slice(root.length + 1)).sort();
  for (const part of ["01-udp", "02-tcp", "03-balcony-tcp", "03-balcony-udp"]) {
    for (const host of ["juliet", "romeo"]) assert.ok(names.includes(`notebooks/${part}-${host}.ipynb`), `${part}-${host} missing`);
  }
  for (const variant of ["tcp", "udp"]) {
    for (const host of ["juliet", "romeo"]) assert.ok(names.includes(`notebooks/solutions/03-balcony-${variant}-${host}.ipynb`));
  }
});

test("every committed notebook is clean", () => {
  const result = runClean("--check");
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

test("the check fails on outputs and execution counts, and cleaning restores the committed form", () => {
  const dir = mkdtempSync(join(tmpdir(), "notebooks-clean-"));
  try {
    const original = join(root, "notebooks", "01-udp-juliet.ipynb");
    const dirty = join(dir, basename(original));
    const notebook = read(original);
    const codeCell = notebook.cells.find((cell) => cell.cell_type === "code")!;
    codeCell.outputs = [{ output_type: "stream", name: "stdout", text: ["this kernel runs on juliet\n"] }];
    codeCell.execution_count = 1;
    (codeCell.metadata as Record<string, unknown>).execution = { "iopub.status.busy": "2024-01-01T00:00:00Z" };
    writeFileSync(dirty, JSON.stringify(notebook));

    const check = runClean("--check", dir);
    assert.equal(check.status, 1);
    assert.match(check.stdout, /has outputs/);
    assert.match(check.stdout, /has an execution count/);
    assert.match(check.stdout, /run-time metadata: execution/);

    assert.equal(runClean(dir).status, 0);
    assert.equal(readFileSync(dirty, "utf8"), readFileSync(original, "utf8"));
    assert.equal(runClean("--check", dir).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const file of notebookFiles) {
  const name = file.slice(root.length + 1);
  const host = /-(juliet|romeo)\.ipynb$/.exec(file)?.[1];
  const partner = host === "juliet" ? "romeo" : "juliet";

  test(`${name} runs on ${host}'s kernel and links ${partner}'s notebook first thing`, () => {
    const notebook = read(file);
    assert.deepEqual(notebook.metadata.kernelspec, { name: `ts-${host}`, display_name: `TypeScript on ${host}`, language: "typescript" });
    const top = notebook.cells[0];
    assert.equal(top.cell_type, "markdown");
    const partnerFile = basename(file).replace(`-${host}.ipynb`, `-${partner}.ipynb`);
    assert.ok(text(top).includes(`](${partnerFile})`), `no link to ${partnerFile}`);
    assert.ok(existsSync(join(dirname(file), partnerFile)));
  });

  test(`${name} starts with an untagged setup cell that imports the module and the topology`, () => {
    const notebook = read(file);
    const firstCode = notebook.cells.find((cell) => cell.cell_type === "code")!;
    assert.equal(firstCode.metadata.tags, undefined);
    assert.match(text(firstCode), /import \* as socket from "@sockets-typescript\/socket";/);
    assert.match(text(firstCode), /from "@sockets-typescript\/topology";/);
    // Where the kernel runs: the walkthrough's through the views (host() says it and warns), the others by hand.
    if (/\/0[12]-/.test(file)) assert.match(text(firstCode), new RegExp(`import \\{ host \\} from "@sockets-typescript/notebook";\\nconst here = host\\("${host}"\\);$`));
    else assert.match(text(firstCode), /os\.hostname\(\)/);
  });

  test(`${name}: every other code cell names its step, and only step cells fail on purpose`, () => {
    const codeCells = read(file).cells.filter((cell) => cell.cell_type === "code").slice(1);
    assert.ok(codeCells.length > 0);
    for (const cell of codeCells) {
      const tags = cell.metadata.tags ?? [];
      const steps = tags.filter((tag) => /^step-[UTB]\d+$/.test(tag));
      assert.equal(steps.length, 1, `cell without exactly one step tag: ${text(cell).slice(0, 60)}`);
      const unknown = tags.filter((tag) => !steps.includes(tag) && tag !== "raises-exception" && tag !== "waits-for-peer");
      assert.deepEqual(unknown, []);
    }
  });
}
