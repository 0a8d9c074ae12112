// The project's paths and names, computed in one place.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { installScript, kernelDisplayName, kernelName, notebooksDir, projectJupyterDir, projectRoot } from "../src/common/paths";

test("the paths point into this project", () => {
  assert.equal(JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")).name, "sockets-typescript");
  assert.equal(projectJupyterDir, join(projectRoot, "jupyter"));
  assert.ok(existsSync(join(notebooksDir, "01-udp-romeo.ipynb")));
  assert.ok(existsSync(installScript));
});

test("kernel names are the ones notebooks' metadata and the testbeds' register_kernels.py spell", () => {
  assert.equal(kernelName("romeo"), "ts-romeo");
  assert.equal(kernelName("juliet"), "ts-juliet");
  assert.equal(kernelDisplayName("juliet"), "TypeScript on juliet");
  const notebook = JSON.parse(readFileSync(join(notebooksDir, "01-udp-juliet.ipynb"), "utf8"));
  assert.equal(notebook.metadata.kernelspec.name, kernelName("juliet"));
});
