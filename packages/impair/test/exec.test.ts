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

test("sudo's own refusals are told from the command's failures, and the message names the command, the user and the rule", async () => {
  const { sudoRefusal, sudoRuleMessage } = await import("../src/exec");
  assert.equal(sudoRefusal("sudo: a password is required\n"), "sudo: a password is required");
  assert.equal(sudoRefusal("student is not in the sudoers file.\n"), null, "not sudo's prefix: not taken as sudo's");
  assert.equal(sudoRefusal("sudo: student is not in the sudoers file.  This incident will be reported.\n"), "sudo: student is not in the sudoers file.  This incident will be reported.");
  assert.equal(sudoRefusal("sudo: account validation failure, is your account locked?\nsudo: a password is required\n"), "sudo: account validation failure, is your account locked?");
  assert.equal(sudoRefusal("RTNETLINK answers: Operation not permitted\n"), null);
  assert.equal(sudoRuleMessage("changing the link", "tc qdisc add", "sudo: a password is required", "cc"),
    'changing the link needs root and cc is not root: it runs `sudo -n tc qdisc add`, and sudo refused (a password is required). ' +
    'Give cc password-less sudo: the line "cc ALL=(ALL) NOPASSWD: ALL" in /etc/sudoers.d/90-cc (edit it with visudo -f), ' +
    "as FABRIC's and Chameleon's images have for their login user; or run as root");
  assert.match(sudoRuleMessage("the wire view's capture", "sh -c 'tcpdump ...'", null, "ubuntu"), /it runs `sudo -n sh -c 'tcpdump \.\.\.'`, and sudo is not installed on this host\./);
});

test("a command sudo refuses (or no sudo at all) is an ImpairPermissionError, not a command failure", async () => {
  // A stand-in for sudo on PATH, answering as sudo -n does for a rule that wants a password.
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "impair-sudo-"));
  const path = process.env.PATH;
  try {
    writeFileSync(join(dir, "sudo"), "#!/bin/sh\necho 'sudo: a password is required' >&2\nexit 1\n", { mode: 0o755 });
    process.env.PATH = `${dir}:${path}`;
    await assert.rejects(run(["sudo", "-n", "ip", "netns", "exec", "x", "tc", "qdisc", "show", "dev", "lan0"]), (err: unknown) => {
      assert.ok(err instanceof ImpairPermissionError);
      assert.equal(err.code, "ERR_IMPAIR_PERMISSION");
      assert.match(err.message, /^changing the link needs root and \S+ is not root: it runs `sudo -n tc qdisc show`, and sudo refused \(a password is required\)\./);
      return true;
    });
    process.env.PATH = dir.replace(/$/, "-none");
    await assert.rejects(run(["sudo", "-n", "tc", "qdisc", "show"]), { code: "ERR_IMPAIR_PERMISSION", message: /and sudo is not installed on this host\./ });
  } finally {
    process.env.PATH = path;
    rmSync(dir, { recursive: true, force: true });
  }
});
