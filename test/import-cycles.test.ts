// No import circle anywhere in the tree (files in src/, packages/, bench/, notebooks/, test/), and
// the parts' layers point one way: packages <- src <- notebooks; inside src, the walkthrough
// runner and the grader sit side by side on the shared session, neither importing the other.
// Read from the TypeScript sources (type-only imports count). Takes well under a second.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { projectRoot } from "../src/common/paths";
import { findCycles, importGraph, partGraph, type ImportGraph } from "./support/import-graph";

const FOLDERS = ["src", "packages", "bench", "notebooks", "test"];

/** The part a file belongs to: src/<folder> (src/start.ts alone), packages/<name>, or the top folder. */
const partOf = (file: string) => {
  const [top, second] = file.split("/");
  if (top === "src") return second.endsWith(".ts") ? `src/${second.replace(/\.ts$/, "")}` : `src/${second}`;
  if (top === "packages") return `packages/${second}`;
  return top;
};

const show = (cycles: string[][]) => cycles.map((cycle) => cycle.join(" -> ")).join("\n");

test("no import circle between the project's files", () => {
  const graph = importGraph(projectRoot, FOLDERS);
  assert.ok(graph.edges.size > 150, `read ${graph.edges.size} files`);
  // The graph is real: the CLI reaches the library through the edges the test reads.
  assert.ok(graph.edges.get("src/grader/check-exercise.ts")?.has("src/grader/class-grading.ts"));
  assert.ok(graph.edges.get("src/grader/check.ts")?.has("packages/dialogue/src/index.ts"));
  assert.deepEqual(findCycles(graph), [], `import circles:\n${show(findCycles(graph))}`);
});

test("no import circle between the parts (src/<folder>, packages/<name>, bench, test)", () => {
  const parts = partGraph(importGraph(projectRoot, FOLDERS), partOf);
  assert.deepEqual(findCycles(parts), [], `circles between parts:\n${show(findCycles(parts))}`);
});

test("layers point one way: packages import no src, src no bench or test, the runner and the grader not each other", () => {
  const parts = partGraph(importGraph(projectRoot, FOLDERS), partOf);
  const wrong: string[] = [];
  for (const [from, targets] of parts.edges) {
    for (const to of targets) {
      const forbidden =
        (from.startsWith("packages/") && !to.startsWith("packages/")) ||
        (from.startsWith("src/") && !to.startsWith("src/") && !to.startsWith("packages/")) ||
        (from === "notebooks" && !to.startsWith("packages/")) ||
        (from === "src/runner" && to === "src/grader") ||
        (from === "src/grader" && to === "src/runner") ||
        (from === "src/session" && (to === "src/runner" || to === "src/grader"));
      if (forbidden) wrong.push(`${from} -> ${to}`);
    }
  }
  assert.deepEqual(wrong, []);
  // The shared pieces are below both.
  assert.ok(parts.edges.get("src/runner")?.has("src/session"));
  assert.ok(parts.edges.get("src/grader")?.has("src/session"));
});

test("the cycle finder finds circles: through type imports, export-from, import(), require(), a package and a self-import", () => {
  const root = mkdtempSync(join(tmpdir(), "gr-cycles-"));
  try {
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write("packages/p/package.json", JSON.stringify({ name: "@x/p", main: "dist/src/index.js" }));
    write("packages/p/tsconfig.json", JSON.stringify({ compilerOptions: { outDir: "dist", rootDir: "." } }));
    write("packages/p/src/index.ts", 'export const p = 1;\n');
    write("packages/p/src/g.ts", 'import { f } from "../../../src/f";\n');
    write("src/f.ts", 'import { g } from "@x/p/dist/src/g";\n');
    write("src/a.ts", 'import type { B } from "./b";\n// import { c } from "./c" (a comment)\nconst s = `import "./c"`;\n');
    write("src/b.ts", 'export * from "./a";\n');
    write("src/c.ts", 'export const c = () => import("./d");\n');
    write("src/d.ts", 'const e = require("./e");\n');
    write("src/e/index.ts", 'import "@x/p";\nimport { c } from "../c";\n');
    write("src/self.ts", 'import { self } from "./self";\n');
    write("src/fine.ts", 'import { c } from "./c.js";\nimport { readFileSync } from "node:fs";\n');
    const graph: ImportGraph = importGraph(root, ["src", "packages"]);
    assert.deepEqual([...graph.edges.get("src/a.ts")!], ["src/b.ts"], "no edge from a comment or a string");
    assert.deepEqual([...graph.edges.get("src/fine.ts")!], ["src/c.ts"], "x.js is x.ts; node: modules are not the project's");
    assert.deepEqual([...graph.edges.get("src/e/index.ts")!].sort(), ["packages/p/src/index.ts", "src/c.ts"], "a package by its main");
    const cycles = findCycles(graph).sort((x, y) => (x[0] < y[0] ? -1 : 1));
    assert.deepEqual(cycles, [
      ["packages/p/src/g.ts", "src/f.ts", "packages/p/src/g.ts"],
      ["src/a.ts", "src/b.ts", "src/a.ts"],
      ["src/c.ts", "src/d.ts", "src/e/index.ts", "src/c.ts"],
      ["src/self.ts", "src/self.ts"],
    ]);
    // Between parts (by top folder): src -> packages -> src.
    assert.deepEqual(findCycles(partGraph(graph, (file) => file.split("/")[0])), [["packages", "src", "packages"]]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
