// The constants must equal the platform's: checked against CPython's socket module on this machine.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import * as constants from "../src/constants";

const names = Object.keys(constants).filter((name) => typeof (constants as Record<string, unknown>)[name] === "number");

test("every numeric constant equals CPython's socket constant of the same name", () => {
  const python = execFileSync("/usr/bin/python3", ["-c", `
import json, socket, sys
names = json.loads(sys.argv[1])
print(json.dumps({n: int(getattr(socket, n)) for n in names if hasattr(socket, n)}))`, JSON.stringify(names)], { encoding: "utf8" });
  const expected = JSON.parse(python) as Record<string, number>;
  assert.ok(Object.keys(expected).length >= 60, `compared ${Object.keys(expected).length} names`);
  for (const [name, value] of Object.entries(expected)) {
    if (name === "SOMAXCONN") continue; // CPython's value is the build's header; ours is the documented Linux one
    assert.equal((constants as Record<string, unknown>)[name], value, name);
  }
});

test("the issue's required constants exist", () => {
  for (const name of ["AF_INET", "AF_INET6", "SOCK_STREAM", "SOCK_DGRAM", "SHUT_RD", "SHUT_WR", "SHUT_RDWR", "SOL_SOCKET",
    "SO_REUSEADDR", "SO_REUSEPORT", "SO_BROADCAST", "SO_RCVBUF", "SO_SNDBUF", "SO_ERROR", "IPPROTO_TCP", "TCP_NODELAY"]) {
    assert.equal(typeof (constants as Record<string, unknown>)[name], "number", name);
  }
});
