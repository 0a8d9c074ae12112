import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { inspect } from "node:util";
import { test } from "node:test";
import { AF_INET6 } from "../src/constants";
import { addressText, asTuple, decodeSockaddr, sockaddrIn, sockaddrIn6, parseDottedQuad } from "../src/sockaddr";

test("sockaddr_in round-trips address and port in network order", () => {
  const sa = sockaddrIn(new Uint8Array([10, 10, 0, 101]), 4000);
  assert.deepEqual([...sa], [2, 0, 0x0f, 0xa0, 10, 10, 0, 101, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...decodeSockaddr(sa, sa.length)], ["10.10.0.101", 4000]);
});

test("sockaddr_in6 round-trips address, port, flowinfo and scope id", () => {
  const ip = new Uint8Array(16);
  ip[15] = 1;
  const sa = sockaddrIn6(ip, 4000, 5, 7);
  assert.equal(sa.length, 28);
  assert.deepEqual([...decodeSockaddr(sa, sa.length)], ["::1", 4000, 5, 7]);
});

test("IPv6 text matches CPython's inet_ntop for 200 random addresses", () => {
  const samples: number[][] = [];
  for (let i = 0; i < 200; i++) samples.push(Array.from({ length: 16 }, (_, j) => (Math.random() < 0.5 ? 0 : Math.floor(Math.random() * 256)) * (j < i % 17 ? 1 : 0)));
  const python = JSON.parse(execFileSync("/usr/bin/python3", ["-c", `import json, sys, socket; print(json.dumps([socket.inet_ntop(socket.AF_INET6, bytes(s)) for s in json.load(sys.stdin)]))`], { input: JSON.stringify(samples), encoding: "utf8" }));
  assert.deepEqual(samples.map((s) => addressText(AF_INET6, new Uint8Array(s))), python);
});

test("a returned address prints as Python's tuple but stays a plain array", () => {
  const addr = asTuple(["10.10.0.100", 48123]);
  assert.equal(inspect(addr), "('10.10.0.100', 48123)");
  assert.equal(String(addr), "('10.10.0.100', 48123)");
  assert.deepEqual(addr, ["10.10.0.100", 48123]);
  assert.equal(JSON.stringify(addr), '["10.10.0.100",48123]');
  const [host, port] = addr;
  assert.equal(host + ":" + port, "10.10.0.100:48123");
});

test("returned addresses are frozen like Python's tuples, so one peer's address can be reused", () => {
  const sa = sockaddrIn(new Uint8Array([127, 0, 0, 1]), 4000);
  const first = decodeSockaddr(sa, sa.length);
  assert.ok(Object.isFrozen(first));
  assert.throws(() => { (first as unknown as number[])[1] = 1; }, TypeError);
  assert.equal(decodeSockaddr(sa, sa.length), first);
  const other = sockaddrIn(new Uint8Array([127, 0, 0, 1]), 4001);
  assert.deepEqual([...decodeSockaddr(other, other.length)], ["127.0.0.1", 4001]);
  assert.deepEqual([...decodeSockaddr(sa, sa.length)], ["127.0.0.1", 4000]);
  assert.ok(Object.isFrozen(asTuple(["::1", 1, 0, 0])));
});

test("an empty sockaddr decodes as the unbound address", () => {
  assert.deepEqual([...decodeSockaddr(new Uint8Array(128), 0)], ["0.0.0.0", 0]);
});

test("parseDottedQuad: four decimal numbers 0-255 are an IPv4 address, anything else goes to the resolver", () => {
  assert.deepEqual(parseDottedQuad("10.10.0.101"), new Uint8Array([10, 10, 0, 101]));
  assert.deepEqual(parseDottedQuad("010.1.1.255"), new Uint8Array([10, 1, 1, 255]));
  for (const other of ["256.1.1.1", "1.2.3", "1.2.3.4.5", "juliet", "::1", " 1.2.3.4", "1.2.3.4\n", "", "1.2.3.-4", 5, null, ["1.2.3.4"]]) {
    assert.equal(parseDottedQuad(other), null, JSON.stringify(other));
  }
});
