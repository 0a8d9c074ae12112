// Name resolution. Only numeric hosts, names in /etc/hosts and names glibc rejects before
// asking DNS are used: the tests send no DNS query.
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { inspect } from "node:util";
import { test } from "node:test";
import { AF_INET, AF_INET6, AI_NUMERICHOST, SOCK_DGRAM, SOCK_STREAM, IPPROTO_TCP, IPPROTO_UDP } from "../src/constants";
import { OSError, gaierror } from "../src/errors";
import { getaddrinfo, gethostbyname, gethostname } from "../src/resolve";

test("getaddrinfo gives Python's 5-tuples", () => {
  const infos = getaddrinfo("127.0.0.101", 4000, AF_INET, SOCK_DGRAM);
  assert.equal(infos.length, 1);
  const [family, type, proto, canonname, sockaddr] = infos[0];
  assert.deepEqual([family, type, proto, canonname], [AF_INET, SOCK_DGRAM, IPPROTO_UDP, ""]);
  assert.equal(inspect(sockaddr), "('127.0.0.101', 4000)");
});

test("getaddrinfo without a type lists stream, datagram and raw entries", () => {
  const types = getaddrinfo("127.0.0.1", "80", AF_INET).map((info) => info[1]);
  assert.ok(types.includes(SOCK_STREAM) && types.includes(SOCK_DGRAM));
  assert.equal(getaddrinfo("127.0.0.1", 80, AF_INET, SOCK_STREAM)[0][2], IPPROTO_TCP);
});

test("getaddrinfo resolves IPv6 and named services from /etc/services", () => {
  const [info] = getaddrinfo("::1", "domain", AF_INET6, SOCK_DGRAM, 0, AI_NUMERICHOST);
  assert.deepEqual([...info[4]], ["::1", 53, 0, 0]);
});

test("a name /etc/hosts has resolves without DNS (localhost)", () => {
  assert.equal(gethostbyname("localhost"), "127.0.0.1");
});

test("unresolvable hosts and services are gaierror with gai_strerror's words", () => {
  assert.throws(() => gethostbyname("no such host"), (err) => err instanceof gaierror && err.message === "[Errno -2] Name or service not known");
  assert.throws(() => getaddrinfo("127.0.0.1", "nosuchservice"), (err) => err instanceof gaierror && err.errno === -8);
  assert.throws(() => getaddrinfo("127.0.0.1", 80, 99), (err) => err instanceof gaierror && err.errno === -6);
});

test("bad argument types are Python's errors", () => {
  assert.throws(() => getaddrinfo("127.0.0.1", {} as any), (err) => err instanceof OSError && err.message === "Int or String expected");
  assert.throws(() => gethostbyname(5 as any), { name: "TypeError", message: "gethostbyname() argument 1 must be str, not int" });
});

test("gethostbyname returns numeric IPv4 text unchanged and '' as 0.0.0.0", () => {
  assert.equal(gethostbyname("10.10.0.101"), "10.10.0.101");
  assert.equal(gethostbyname(""), "0.0.0.0");
});

test("gethostname is the host's name", () => {
  assert.equal(gethostname(), hostname());
});
