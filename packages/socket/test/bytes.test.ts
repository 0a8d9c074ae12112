import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { inspect } from "node:util";
import { test } from "node:test";
import { Bytes, asBytesLike, b, bytesRepr } from "../src/bytes";
import { UnicodeDecodeError, ValueError } from "../src/errors";

test("bytes print exactly as CPython's repr for 300 random byte strings", () => {
  const samples: number[][] = [[], [0x27], [0x22], [0x27, 0x22], [0x5c], [9, 10, 13], [0x7f, 0x80, 0xff]];
  for (let i = 0; i < 293; i++) samples.push(Array.from({ length: i % 12 }, () => Math.floor(Math.random() * 256)));
  const python = JSON.parse(execFileSync("/usr/bin/python3", ["-c", `import json, sys; print(json.dumps([repr(bytes(s)) for s in json.load(sys.stdin)]))`], { input: JSON.stringify(samples), encoding: "utf8" }));
  assert.deepEqual(samples.map((s) => bytesRepr(new Uint8Array(s))), python);
});

test("Bytes prints as b'...' in inspect, String() and template strings", () => {
  const data = b`Hello`;
  assert.ok(data instanceof Bytes && data instanceof Uint8Array);
  assert.equal(inspect(data), "b'Hello'");
  assert.equal(String(data), "b'Hello'");
  assert.equal(`${data}`, "b'Hello'");
  assert.equal(inspect([data]), "[ b'Hello' ]");
});

test("the b tag: \\xNN escapes, characters up to U+00FF, interpolated bytes and text", () => {
  assert.deepEqual([...b`\x00\xff\n`], [0, 255, 10]);
  assert.deepEqual([...b`é`], [0xe9]);
  assert.deepEqual([...b`a${b`bc`}d${7}`], [97, 98, 99, 100, 55]);
  assert.throws(() => b`€`, ValueError);
  assert.throws(() => b`${{}}`, TypeError);
});

test("decode gives text; invalid UTF-8 is UnicodeDecodeError", () => {
  assert.equal(new Bytes(new TextEncoder().encode("Roméo")).decode(), "Roméo");
  assert.equal(b`\xe9`.decode("latin-1"), "é");
  assert.throws(() => b`\xff`.decode(), UnicodeDecodeError);
  assert.throws(() => b`\xff`.decode("ascii"), UnicodeDecodeError);
  assert.throws(() => b`x`.decode("rot13" as any), ValueError);
});

test("asBytesLike accepts any byte view and refuses text with Python's words", () => {
  const buf = Buffer.from("abc");
  assert.equal(asBytesLike(buf), buf);
  assert.equal(asBytesLike(new Uint16Array([1])).length, 2);
  assert.equal(asBytesLike(new ArrayBuffer(3)).length, 3);
  assert.throws(() => asBytesLike("abc"), { name: "TypeError", message: "a bytes-like object is required, not 'str'" });
  assert.throws(() => asBytesLike(null), { message: "a bytes-like object is required, not 'NoneType'" });
});

test("slices of Bytes are Bytes", () => {
  assert.equal(inspect(b`Hello`.subarray(1, 3)), "b'el'");
});
