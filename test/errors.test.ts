// The application's errors: one base class, a stable code per failure, exact messages, and the
// one table that turns them into exit statuses for every command-line tool.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import {
  CommandError, JupyterStartError, KernelStartError, LabError, NotebookError, SocketsError, StartError,
  SystemPackagesError, UsageError, describeFailure, exitStatusOf,
} from "../src/common/errors";
import { run } from "../src/common/commands";
import { projectRoot } from "../src/common/paths";
import { Lab, checkHost } from "../src/lab/lab";
import { readNotebook } from "../src/session/notebook";

test("each failure is its own class under SocketsError, with a code, a name and the message as given", () => {
  const cases: [SocketsError, Function, string, string, number][] = [
    [new UsageError("usage: x"), UsageError, "UsageError", "ERR_USAGE", 2],
    [new LabError("ERR_LAB_NOT_ROOT", "root is needed"), LabError, "LabError", "ERR_LAB_NOT_ROOT", 1],
    [new LabError("ERR_LAB_INTERRUPTED", "interrupted"), LabError, "LabError", "ERR_LAB_INTERRUPTED", 130],
    [new StartError("ERR_START_INTERRUPTED", "interrupted while starting"), StartError, "StartError", "ERR_START_INTERRUPTED", 130],
    [new StartError("ERR_START_NOT_ROOT", "npm start needs root"), StartError, "StartError", "ERR_START_NOT_ROOT", 1],
    [new SystemPackagesError("ERR_SYSTEM_PACKAGES_MISSING", "missing"), SystemPackagesError, "SystemPackagesError", "ERR_SYSTEM_PACKAGES_MISSING", 1],
    [new JupyterStartError("ERR_JUPYTER_TIMEOUT", "no answer"), JupyterStartError, "JupyterStartError", "ERR_JUPYTER_TIMEOUT", 1],
    [new KernelStartError("ERR_KERNEL_TIMEOUT", "ts-romeo did not start"), KernelStartError, "KernelStartError", "ERR_KERNEL_TIMEOUT", 1],
    [new NotebookError("ERR_NOTEBOOK_NO_CELLS", "x: not a notebook"), NotebookError, "NotebookError", "ERR_NOTEBOOK_NO_CELLS", 1],
  ];
  for (const [err, cls, name, code, status] of cases) {
    assert.equal(err.constructor, cls);
    assert.ok(err instanceof SocketsError && err instanceof Error);
    assert.equal(err.name, name);
    assert.equal(err.code, code);
    assert.equal(err.exitStatus, status, code);
    assert.equal(exitStatusOf(err), status, code);
    assert.equal(String(err), `${name}: ${err.message}`);
  }
});

test("exitStatusOf: usage 2 and interrupted 130 everywhere; other failures the tool's own status", () => {
  assert.equal(exitStatusOf(new UsageError("u"), 2), 2);
  assert.equal(exitStatusOf(new LabError("ERR_LAB_INTERRUPTED", "i"), 2), 130);
  assert.equal(exitStatusOf(new NotebookError("ERR_NOTEBOOK_UNREADABLE", "n"), 2), 2, "the runners: could not run");
  assert.equal(exitStatusOf(new NotebookError("ERR_NOTEBOOK_UNREADABLE", "n")), 1);
  assert.equal(exitStatusOf(new Error("a bug")), 1);
  assert.equal(exitStatusOf("thrown text", 2), 2);
});

test("describeFailure: one line for a known failure, the stack for a bug", () => {
  assert.equal(describeFailure("lab", new LabError("ERR_LAB_NOT_UP", "the lab is not up")), "lab: the lab is not up");
  const bug = new TypeError("x is undefined");
  assert.equal(describeFailure("start", bug), `start: ${bug.stack}`);
});

test("the command runner: a failing command and a missing one, each with its code and one line", async () => {
  const failed = await run(["sh", "-c", "echo oops >&2; exit 3"]).catch((err) => err);
  assert.ok(failed instanceof CommandError);
  assert.equal(failed.code, "ERR_COMMAND_FAILED");
  assert.equal(failed.message, "sh -c echo oops >&2; exit 3 failed: oops");
  assert.equal(failed.exitCode, 3);
  const missing = await run(["no-such-tool-here", "x"]).catch((err) => err);
  assert.ok(missing instanceof CommandError);
  assert.equal(missing.code, "ERR_COMMAND_NOT_FOUND");
  assert.equal(missing.message, "no-such-tool-here x failed: no-such-tool-here: command not found");
  assert.equal(await run(["sh", "-c", "cat"], { input: "in" }), "in");
});

test("the lab's refusals carry their codes", () => {
  assert.throws(() => new Lab({ prefix: "Bad Prefix" }), (err: unknown) => {
    assert.ok(err instanceof LabError);
    assert.equal(err.code, "ERR_LAB_PREFIX");
    assert.equal(err.message, 'lab prefix "Bad Prefix": use at most 8 of a-z, 0-9 and "-"');
    return true;
  });
  assert.throws(() => checkHost("mercutio"), (err: unknown) => {
    assert.ok(err instanceof LabError);
    assert.equal(err.code, "ERR_LAB_UNKNOWN_HOST");
    assert.equal(err.message, 'unknown host "mercutio": the lab\'s hosts are romeo and juliet');
    return true;
  });
});

test("a notebook that cannot be used is a NotebookError with its code", () => {
  const missing = join(projectRoot, "no-such.ipynb");
  assert.throws(() => readNotebook(missing), (err: unknown) => {
    assert.ok(err instanceof NotebookError);
    assert.equal(err.code, "ERR_NOTEBOOK_UNREADABLE");
    assert.equal(err.message, `${missing}: not a readable notebook (ENOENT: no such file or directory, open '${missing}')`);
    return true;
  });
  assert.throws(() => readNotebook(join(projectRoot, "package.json")), (err: unknown) => {
    assert.ok(err instanceof NotebookError);
    assert.equal(err.code, "ERR_NOTEBOOK_NO_CELLS");
    assert.equal(err.message, `${join(projectRoot, "package.json")}: not a notebook (no cells)`);
    return true;
  });
});

test("the runners' command lines: usage and unreadable files exit 2 with one line", () => {
  const checker = join(projectRoot, "dist", "src", "grader", "check-exercise.js");
  const unknown = spawnSync(process.execPath, [checker, "a", "b", "--frobnicate"], { encoding: "utf8" });
  assert.equal(unknown.status, 2);
  assert.equal(
    unknown.stderr,
    "check-exercise: unknown option --frobnicate\n" +
      "usage: npm run check-exercise -- <juliet notebook> <romeo notebook> [--udp|--tcp] [--seed N[,N...]] [--seeds COUNT] [--no-loss] [--json FILE] [--timeout SECONDS] [--no-sandbox]\n" +
      "       npm run check-exercise -- --class <folder> [--parallel N] [--shard I/N] [--out FOLDER] [--seeds COUNT] [--timeout SECONDS] [--no-sandbox]\n" +
      "       npm run check-exercise -- --merge <shard folder> [<shard folder>...] --out FOLDER\n",
  );
  const absent = spawnSync(process.execPath, [checker, "/nonexistent/j.ipynb", "/nonexistent/r.ipynb"], { encoding: "utf8" });
  assert.equal(absent.status, 2);
  assert.equal(absent.stderr, "check-exercise: /nonexistent/j.ipynb: no such file\n");
  const walkthrough = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "runner", "walkthrough.js"), "quic"], { encoding: "utf8" });
  assert.equal(walkthrough.status, 2);
  assert.equal(walkthrough.stderr, 'walkthrough: unknown argument "quic"; usage: npm run walkthrough [-- basics|udp|tcp|all] [--answer STEP=GUESS] [--json FILE] [--timeout SECONDS] [--save DIR [--html]]\n');
});

test("kernels:install ends through the same mapping: a bad lab prefix is one line and exit 1, nothing written", () => {
  const install = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "jupyter", "install.js")], { encoding: "utf8", env: { ...process.env, SOCKETS_LAB_PREFIX: "B@D" } });
  assert.equal(install.status, 1);
  assert.equal(install.stdout, "");
  assert.equal(install.stderr, 'kernels:install: lab prefix "B@D": use at most 8 of a-z, 0-9 and "-"\n');
});
