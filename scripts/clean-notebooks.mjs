#!/usr/bin/env node
// Keeps committed notebooks clean: no outputs, no execution counts, no run-time metadata.
//   node scripts/clean-notebooks.mjs            cleans every notebook under notebooks/ in place
//   node scripts/clean-notebooks.mjs --check    lists dirty notebooks and exits 1 if there are any
//   node scripts/clean-notebooks.mjs [--check] FILE_OR_DIR...
// Written in the format Jupyter itself writes (sorted keys, one-space indent), so that opening
// and saving a clean notebook in Jupyter changes nothing but what was run.
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const keptCellMetadata = ["tags"];
const keptNotebookMetadata = ["kernelspec", "language_info"];
const keptLanguageInfo = ["name", "file_extension", "mimetype"];

/** Recursively sorts object keys, as Jupyter does when it saves. */
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys(value[key])]));
}

function pick(object, keys) {
  return Object.fromEntries(keys.filter((key) => object && key in object).map((key) => [key, object[key]]));
}

/** What makes this notebook dirty, one sentence per problem. */
export function dirtiness(notebook) {
  const problems = [];
  notebook.cells.forEach((cell, index) => {
    const where = `cell ${index + 1}`;
    if (cell.cell_type === "code") {
      if (cell.outputs?.length) problems.push(`${where} has outputs`);
      if (cell.execution_count != null) problems.push(`${where} has an execution count`);
    }
    const extra = Object.keys(cell.metadata ?? {}).filter((key) => !keptCellMetadata.includes(key));
    if (extra.length) problems.push(`${where} has run-time metadata: ${extra.join(", ")}`);
  });
  const extra = Object.keys(notebook.metadata ?? {}).filter((key) => !keptNotebookMetadata.includes(key));
  if (extra.length) problems.push(`notebook metadata has ${extra.join(", ")}`);
  const info = Object.keys(notebook.metadata?.language_info ?? {}).filter((key) => !keptLanguageInfo.includes(key));
  if (info.length) problems.push(`language_info has ${info.join(", ")}`);
  return problems;
}

/** The notebook without outputs, execution counts and run-time metadata. */
export function clean(notebook) {
  const cells = notebook.cells.map((cell) => {
    const cleaned = { ...cell, metadata: pick(cell.metadata, keptCellMetadata) };
    if (cell.cell_type === "code") Object.assign(cleaned, { outputs: [], execution_count: null });
    return cleaned;
  });
  const metadata = pick(notebook.metadata, keptNotebookMetadata);
  if (metadata.language_info) metadata.language_info = pick(metadata.language_info, keptLanguageInfo);
  return { ...notebook, cells, metadata };
}

/** The notebook's text as Jupyter would write it. */
export function serialize(notebook) {
  return JSON.stringify(sortKeys(notebook), null, 1) + "\n";
}

function notebookFiles(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => !name.startsWith("."))
    .flatMap((name) => notebookFiles(join(path, name)))
    .filter((file) => file.endsWith(".ipynb"));
}

function main(args) {
  const check = args.includes("--check");
  const roots = args.filter((arg) => arg !== "--check");
  const files = (roots.length ? roots : [join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..", "notebooks")]).flatMap(notebookFiles);
  let dirty = 0;
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const notebook = JSON.parse(text);
    const problems = dirtiness(notebook);
    const wanted = serialize(clean(notebook));
    if (problems.length === 0 && text === wanted) continue;
    dirty += 1;
    const name = relative(process.cwd(), file);
    if (check) console.log(`${name}: ${problems.length ? problems.join("; ") : "not in Jupyter's format (run npm run notebooks:clean)"}`);
    else {
      writeFileSync(file, wanted);
      console.log(`cleaned ${name}`);
    }
  }
  if (check && dirty > 0) {
    console.log(`${dirty} notebook(s) not clean: run npm run notebooks:clean`);
    process.exit(1);
  }
  if (check) console.log(`${files.length} notebooks clean`);
}

main(process.argv.slice(2));
