import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeAddress } from "../src/address";
import { AF_INET, AF_INET6 } from "../src/constants";
import { OverflowError, ValueError, gaierror } from "../src/errors";
import { decodeSockaddr } from "../src/sockaddr";

const roundTrip = (family: number, addr: unknown) => {
  const sa = encodeAddress(family, addr, "bind");
  return [...decodeSockaddr(sa, sa.length)];
};

test("IPv4 hosts: numeric, '' (any), '<broadcast>'", () => {
  assert.deepEqual(roundTrip(AF_INET, ["10.10.0.101", 4000]), ["10.10.0.101", 4000]);
  assert.deepEqual(roundTrip(AF_INET, ["", 0]), ["0.0.0.0", 0]);
  assert.deepEqual(roundTrip(AF_INET, ["<broadcast>", 9]), ["255.255.255.255", 9]);
});

test("IPv6 tuples take 2 to 4 items; an IPv4-mapped address works", () => {
  assert.deepEqual(roundTrip(AF_INET6, ["::1", 80]), ["::1", 80, 0, 0]);
  assert.deepEqual(roundTrip(AF_INET6, ["fe80::1", 80, 3, 2]), ["fe80::1", 80, 3, 2]);
  assert.deepEqual(roundTrip(AF_INET6, ["::ffff:127.0.0.1", 1]), ["::ffff:127.0.0.1", 1, 0, 0]);
  assert.deepEqual(roundTrip(AF_INET6, ["", 1]), ["::", 1, 0, 0]);
});

test("ports outside 0-65535 are OverflowError naming the call", () => {
  assert.throws(() => encodeAddress(AF_INET, ["1.2.3.4", 65536], "connect"), { name: "OverflowError", message: "connect(): port must be 0-65535." });
  assert.throws(() => encodeAddress(AF_INET6, ["::1", -1], "sendto"), { message: "sendto(): port must be 0-65535." });
  assert.throws(() => encodeAddress(AF_INET6, ["::1", 1, 2 ** 20], "bind"), OverflowError);
});

test("wrong shapes and types are TypeError with Python's words", () => {
  assert.throws(() => encodeAddress(AF_INET, ["1.2.3.4", 1, 2], "bind"), { name: "TypeError", message: "AF_INET address must be a pair (host, port)" });
  assert.throws(() => encodeAddress(AF_INET, { host: "x" }, "bind"), { message: "AF_INET address must be tuple, not Object" });
  assert.throws(() => encodeAddress(AF_INET, null, "bind"), { message: "AF_INET address must be tuple, not NoneType" });
  assert.throws(() => encodeAddress(AF_INET6, ["::1"], "bind"), { message: "AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])" });
  assert.throws(() => encodeAddress(AF_INET, ["1.2.3.4", 1.5], "bind"), { message: "'float' object cannot be interpreted as an integer" });
  assert.throws(() => encodeAddress(AF_INET, [null, 1], "bind"), { message: "str, bytes or bytearray expected, not NoneType" });
});

test("hosts that cannot be resolved are gaierror; a NUL in a host is ValueError", () => {
  // Names glibc rejects without asking DNS.
  assert.throws(() => encodeAddress(AF_INET, ["no such host", 1], "bind"), (err) => err instanceof gaierror && err.errno === -2);
  assert.throws(() => encodeAddress(AF_INET, ["256.1.1.1 x", 1], "bind"), gaierror);
  assert.throws(() => encodeAddress(AF_INET6, ["<broadcast>", 1], "bind"), gaierror);
  assert.throws(() => encodeAddress(AF_INET, ["127.0.0.1\0evil", 1], "bind"), ValueError);
});
