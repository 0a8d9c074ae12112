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
