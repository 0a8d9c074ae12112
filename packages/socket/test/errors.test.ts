import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { inspect } from "node:util";
import { test } from "node:test";
import * as errors from "../src/errors";

test("strerror comes from libc and matches CPython's os.strerror", () => {
  const nums = [1, 9, 11, 13, 22, 32, 89, 92, 95, 98, 99, 101, 104, 107, 110, 111, 113, 115];
  const python = JSON.parse(execFileSync("/usr/bin/python3", ["-c", `import os, json, sys; print(json.dumps([os.strerror(n) for n in json.loads(sys.argv[1])]))`, JSON.stringify(nums)], { encoding: "utf8" }));
  assert.deepEqual(nums.map(errors.strerror), python);
});

test("fromErrno picks Python's subclass and formats [Errno n] text", () => {
  const cases: [number, Function, string][] = [
    [98, errors.OSError, "EADDRINUSE"], [111, errors.ConnectionRefusedError, "ECONNREFUSED"],
    [104, errors.ConnectionResetError, "ECONNRESET"], [103, errors.ConnectionAbortedError, "ECONNABORTED"],
    [32, errors.BrokenPipeError, "EPIPE"], [108, errors.BrokenPipeError, "ESHUTDOWN"], [11, errors.BlockingIOError, "EAGAIN"],
    [115, errors.BlockingIOError, "EINPROGRESS"], [114, errors.BlockingIOError, "EALREADY"], [4, errors.InterruptedError, "EINTR"],
    [13, errors.PermissionError, "EACCES"], [110, errors.TimeoutError, "ETIMEDOUT"], [95, errors.OSError, "EOPNOTSUPP"],
  ];
  for (const [num, cls, code] of cases) {
    const err = errors.fromErrno(num);
    assert.equal(err.constructor, cls, `${num}`);
    assert.ok(err instanceof errors.OSError && err instanceof Error);
    assert.equal(err.errno, num);
    assert.equal(err.code, code);
    assert.equal(err.message, `[Errno ${num}] ${errors.strerror(num)}`);
  }
  assert.ok(errors.fromErrno(111) instanceof errors.ConnectionError);
});

test("an error prints as one line: stack, util.inspect and String agree", () => {
  const err = errors.fromErrno(111);
  assert.equal(err.stack, "ConnectionRefusedError: [Errno 111] Connection refused");
  assert.equal(inspect(err), "ConnectionRefusedError: [Errno 111] Connection refused");
  assert.equal(String(err), "ConnectionRefusedError: [Errno 111] Connection refused");
  assert.deepEqual(Object.keys(err), []);
});

test("a socket timeout is TimeoutError('timed out') without errno", () => {
  const err = errors.timedOut();
  assert.ok(err instanceof errors.TimeoutError && err instanceof errors.OSError);
  assert.equal(err.errno, undefined);
  assert.equal(inspect(err), "TimeoutError: timed out");
});

test("gaierror carries the EAI code and gai_strerror's text", () => {
  const err = new errors.gaierror(-2);
  assert.equal(err.errno, -2);
  assert.equal(err.code, "EAI_NONAME");
  assert.equal(err.stack, "gaierror: [Errno -2] Name or service not known");
  assert.ok(err instanceof errors.OSError);
});

test("Python's non-OS errors have their names and one-line stacks", () => {
  assert.equal(inspect(new errors.ValueError("negative buffersize in recv")), "ValueError: negative buffersize in recv");
  assert.equal(new errors.OverflowError("bind(): port must be 0-65535.").stack, "OverflowError: bind(): port must be 0-65535.");
  assert.equal(new errors.KeyboardInterrupt().stack, "KeyboardInterrupt");
  const typeError = errors.typeError("a bytes-like object is required, not 'str'");
  assert.ok(typeError instanceof TypeError);
  assert.equal(inspect(typeError), "TypeError: a bytes-like object is required, not 'str'");
  assert.ok(new errors.UnicodeDecodeError("x") instanceof errors.ValueError);
});

test("the errno table names numbers both ways", () => {
  assert.equal(errors.errno.ECONNREFUSED, 111);
  assert.equal(errors.errnoName(11), "EAGAIN");
  assert.equal(errors.errnoName(107), "ENOTCONN");
});

test("every error shares Python's tree: BaseException > Exception > OSError/ValueError/OverflowError; KeyboardInterrupt beside Exception", () => {
  const cases: [Error, string, boolean][] = [
    [new errors.ValueError("negative buffersize in recv"), "ValueError: negative buffersize in recv", true],
    [new errors.UnicodeDecodeError("bad byte"), "UnicodeDecodeError: bad byte", true],
    [new errors.OverflowError("bind(): port must be 0-65535."), "OverflowError: bind(): port must be 0-65535.", true],
    [errors.fromErrno(111), "ConnectionRefusedError: [Errno 111] Connection refused", true],
    [new errors.gaierror(-2), "gaierror: [Errno -2] Name or service not known", true],
    [errors.timedOut(), "TimeoutError: timed out", true],
    [new errors.KeyboardInterrupt(), "KeyboardInterrupt", false],
    [new errors.KeyboardInterrupt("recv() interrupted"), "KeyboardInterrupt: recv() interrupted", false],
  ];
  for (const [err, printed, isException] of cases) {
    assert.ok(err instanceof errors.BaseException && err instanceof Error, printed);
    assert.equal(err instanceof errors.Exception, isException, printed);
    assert.equal(err.stack, printed);
    assert.equal(inspect(err), printed);
    assert.equal(String(err), printed);
    assert.deepEqual(Object.keys(err), [], printed);
  }
  assert.ok(!(new errors.ValueError("x") instanceof errors.OSError));
  assert.ok(!(new errors.OverflowError("x") instanceof errors.ValueError));
  assert.equal(new errors.ValueError("x").name, "ValueError");
  assert.equal(Object.getPrototypeOf(errors.KeyboardInterrupt.prototype), errors.BaseException.prototype);
});
