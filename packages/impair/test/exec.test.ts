// How commands reach the target: the namespace, and sudo only when not root.
import { test } from "node:test";
import assert from "node:assert/strict";
import { prefixFor, run } from "../src/exec";
import { ImpairCommandError, ImpairPermissionError } from "../src/errors";

test("the prefix: namespace for the lab, sudo -n only when not root", () => {
  if (process.getuid?.() === 0) {
    assert.deepEqual(prefixFor({ netns: "romeo" }), ["ip", "netns", "exec", "romeo"]);
    assert.deepEqual(prefixFor({ sudo: true }), []);
  } else {
    assert.deepEqual(prefixFor({ sudo: true }), ["sudo", "-n"]);
    assert.throws(() => prefixFor({}), ImpairPermissionError);
  }
});

test("a failing command is one error naming it and its words", async () => {
  await assert.rejects(run(["sh", "-c", "echo nope >&2; exit 3"]), (err: unknown) => {
    assert.ok(err instanceof ImpairCommandError);
    assert.equal(err.code, "ERR_IMPAIR_COMMAND");
    assert.equal(err.message, "sh -c echo nope >&2; exit 3 failed: nope");
    return true;
  });
  await assert.rejects(run(["no-such-tool-here"]), { message: "no-such-tool-here failed: no-such-tool-here: command not found" });
});

test("a synchronous probe ended by Ctrl-C is an interruption, not a finding", async () => {
  const { runSync } = await import("../src/exec");
  assert.throws(() => runSync(["sh", "-c", "kill -INT $$; sleep 1"]), { name: "ImpairStageError", code: "ERR_IMPAIR_INTERRUPTED" });
  assert.deepEqual(runSync(["sh", "-c", "echo out; echo err >&2; exit 1"]), { ok: false, out: "out\nerr" });
  assert.equal(runSync(["sleep", "5"], 200).ok, false, "a timeout is a finding (no answer)");
});
