// npm start as a student runs it: the lab, JupyterLab 4 (from the project's venv) with the two
// host kernels and the notebooks, the URL printed; Ctrl-C leaves nothing behind; not root: a clear refusal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { needsRoot, namespaces, projectRoot } from "./support/lab-fixture";
import { jupyterVenvBin } from "../src/jupyter/server";

const start = join(projectRoot, "dist", "src", "start.js");
const ours = () => namespaces().filter((ns) => ns.startsWith("st-"));

/** npm test provides the venv (SOCKETS_JUPYTER_BIN); without it npm start would install it with pip first. */
const noVenv = !jupyterVenvBin() && "no JupyterLab 4 venv (SOCKETS_JUPYTER_BIN; npm test sets it)";

test("npm start serves the notebooks in JupyterLab 4 with both host kernels, and Ctrl-C stops everything", { skip: needsRoot || noVenv }, async () => {
  const child = spawn(process.execPath, [start], { env: { ...process.env, SOCKETS_LAB_PREFIX: "st-" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stderr.on("data", (chunk) => (out += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /Open the notebooks: (http:\/\/127\.0\.0\.1:\d+\/lab\?token=[0-9a-f]+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`npm start exited ${code} before printing the URL:\n${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  try {
    assert.deepEqual(ours().sort(), ["st-juliet", "st-romeo"]);
    const { origin, searchParams } = new URL(url);
    const auth = { headers: { Authorization: `token ${searchParams.get("token")}` } };
    const specs = (await (await fetch(`${origin}/api/kernelspecs`, auth)).json()) as { kernelspecs: Record<string, { spec: { display_name: string; interrupt_mode: string } }> };
    assert.deepEqual(
      Object.entries(specs.kernelspecs).map(([name, { spec }]) => `${name}: ${spec.display_name} (${spec.interrupt_mode})`).sort(),
      ["ts-juliet: TypeScript on juliet (signal)", "ts-romeo: TypeScript on romeo (signal)"],
    );
    const listing = (await (await fetch(`${origin}/api/contents/`, auth)).json()) as { content: { name: string }[] };
    assert.ok(listing.content.some((entry) => entry.name === "01-udp-juliet.ipynb"), "the notebooks folder is the server's root");
    assert.equal((await fetch(`${origin}/api/contents/`)).status, 403, "the server must require the token");
    // The page a student opens is JupyterLab's, with the debugger extension off (see server.ts).
    const page = await (await fetch(url)).text();
    assert.match(page, /"appName": "JupyterLab"/);
    assert.match(page, /"@jupyterlab\/debugger-extension"/, "the page config disables the debugger extension");
    assert.match(out, /start: starting Jupyter \(JupyterLab 4\)/);
  } finally {
    child.kill("SIGINT");
  }
  assert.equal(await exited, 0, out);
  assert.match(out, /start: stopped; nothing is left running/);
  assert.deepEqual(ours(), [], "namespaces left after Ctrl-C");
});

const asNobody = (...argv: string[]) =>
  spawnSync("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", ...argv], { encoding: "utf8", timeout: 30_000 });
/** A clone under a private folder (such as /root) cannot be read by another user at all. */
const nobodyCanRead = !needsRoot && asNobody("test", "-r", start).status === 0;

test("npm start as a user who is not root says what to run and changes nothing", { skip: needsRoot || (!nobodyCanRead && "the user nobody cannot read this clone") }, () => {
  const result = asNobody(process.execPath, start);
  assert.equal(result.status, 1, result.stdout + result.stderr);
  assert.match(result.stderr, /^start: npm start needs root: it creates network namespaces and installs missing system packages\.\n {2}Run: sudo npm start/);
  assert.deepEqual(ours(), []);
});
