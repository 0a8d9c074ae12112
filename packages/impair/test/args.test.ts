// The impairment flags as a person types them, and every refusal's exact words.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseImpairmentArgs, validateImpairment, describeImpairment } from "../src/args";
import { ImpairError, ImpairUsageError } from "../src/errors";

function refused(argv: string[], message: string): void {
  assert.throws(() => parseImpairmentArgs(argv), (err: unknown) => {
    assert.ok(err instanceof ImpairUsageError);
    assert.ok(err instanceof ImpairError);
    assert.equal((err as ImpairError).code, "ERR_IMPAIR_USAGE");
    assert.equal((err as Error).message, message);
    return true;
  });
}

test("loss, delay, jitter, duplicate, reorder, seed and direction", () => {
  assert.deepEqual(parseImpairmentArgs(["--loss", "20%", "--delay", "50ms"]), { loss: 0.2, delayMs: 50 });
  assert.deepEqual(
    parseImpairmentArgs(["--loss=2.5%", "--delay", "0.2s", "--jitter", "500us", "--duplicate", "5%", "--reorder", "10%", "--seed", "42", "--direction", "both"]),
    { loss: 0.025, delayMs: 200, jitterMs: 0.5, duplicate: 0.05, reorder: 0.1, seed: 42, direction: "both" },
  );
  assert.deepEqual(parseImpairmentArgs(["--delay", "1s"]), { delayMs: 1000 });
  assert.equal(parseImpairmentArgs(["--clear"]), "clear");
});

test("bad values are one line in argparse's words", () => {
  refused(["--loss", "120%"], "argument --loss: 120% is more than 100%");
  refused(["--loss", "0.2"], 'argument --loss: expected a percentage such as 20%, got "0.2"');
  refused(["--delay", "-5ms"], "argument --delay: -5ms is negative");
  refused(["--delay", "50"], 'argument --delay: expected a time such as 50ms or 0.2s, got "50"');
  refused(["--delay", "11s"], "argument --delay: 11s is more than 10s");
  refused(["--loss"], "argument --loss: expected a value");
  refused(["--loss", "--delay", "5ms"], "argument --loss: expected a value");
  refused(["--seed", "-1"], 'argument --seed: expected a whole number from 0 to 4294967295, got "-1"');
  refused(["--direction", "in"], 'argument --direction: expected egress or both, got "in"');
  refused(["--lose", "20%"], "unrecognized argument: --lose (known: --loss, --delay, --jitter, --duplicate, --reorder, --seed, --direction, --clear)");
  refused(["20%"], 'unexpected argument: "20%"');
  refused(["--loss", "1%", "--loss", "2%"], "argument --loss: given twice");
  refused(["--clear", "--loss", "5%"], "argument --clear: not allowed with --loss");
  refused([], "nothing to impair: give --loss, --delay, --duplicate or --reorder (or --clear to remove an impairment)");
  refused(["--seed", "3"], "nothing to impair: give --loss, --delay, --duplicate or --reorder (or --clear to remove an impairment)");
  refused(["--delay", "10ms", "--jitter", "20ms"], "jitter 20ms is more than the delay 10ms (jitter varies the delay: give --delay too)");
});

test("objects from a notebook or the checker are checked too", () => {
  assert.throws(() => validateImpairment({ loss: 20 }), { name: "ImpairUsageError", message: "loss must be a fraction from 0 to 1 (0.2 = 20%), not 20" });
  assert.throws(() => validateImpairment({ delayMs: -1 }), { message: "delayMs must be milliseconds from 0 to 10000, not -1" });
  assert.throws(() => validateImpairment({ los: 0.2 } as never), { message: 'unknown impairment "los" (known: loss, delayMs, jitterMs, duplicate, reorder, seed, direction)' });
  assert.throws(() => validateImpairment({ loss: 0.1, seed: 1.5 }), { message: "seed must be a whole number from 0 to 4294967295, not 1.5" });
  validateImpairment({ loss: 0.2, delayMs: 50 });
});

test("the description a person reads", () => {
  assert.equal(describeImpairment({ loss: 0.2, delayMs: 50, jitterMs: 10, duplicate: 0.05, reorder: 0.1, seed: 7 }), "loss 20%, delay 50ms ± 10ms, duplicate 5%, reorder 10%, seed 7");
  assert.equal(describeImpairment({ delayMs: 2000, direction: "both" }), "delay 2s, both directions");
});
