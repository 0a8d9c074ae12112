// One base class with a stable code; each subclass keeps it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ImpairError, ImpairUsageError, ImpairUnsupportedError, ImpairCommandError, ImpairStageError, ImpairPermissionError } from "../src/errors";

test("every failure is an ImpairError with its own code and name", () => {
  const cases: [ImpairError, string, string][] = [
    [new ImpairUsageError("x"), "ERR_IMPAIR_USAGE", "ImpairUsageError"],
    [new ImpairUnsupportedError("x"), "ERR_IMPAIR_UNSUPPORTED", "ImpairUnsupportedError"],
    [new ImpairStageError("x"), "ERR_IMPAIR_STAGE", "ImpairStageError"],
    [new ImpairPermissionError("x"), "ERR_IMPAIR_PERMISSION", "ImpairPermissionError"],
    [new ImpairCommandError(["tc", "qdisc"], "Error: one\ntwo\nthree\nfour"), "ERR_IMPAIR_COMMAND", "ImpairCommandError"],
  ];
  for (const [err, code, name] of cases) {
    assert.ok(err instanceof ImpairError);
    assert.equal(err.code, code);
    assert.equal(err.name, name);
  }
  assert.equal(new ImpairStageError("interrupted", "ERR_IMPAIR_INTERRUPTED").code, "ERR_IMPAIR_INTERRUPTED");
  assert.equal(String(new ImpairUsageError("bad")), "ImpairUsageError: bad");
  assert.equal(cases[4][0].message, "tc qdisc failed: Error: one / two / three", "a command's words: up to 3 lines");
});
