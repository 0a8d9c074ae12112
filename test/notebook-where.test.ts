// Where the kernel runs, from the machine's interfaces, and the warning for the other host's kernel.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { NetworkInterfaceInfo } from "node:os";
import { locate, parseIpAddr, whereLines } from "@sockets-typescript/notebook";

const v4 = (address: string) => ({ address, family: "IPv4", netmask: "255.255.255.0", mac: "00:00:00:00:00:00", internal: false, cidr: `${address}/24` }) as NetworkInterfaceInfo;

test("the host whose address this machine has, and the interface holding it", () => {
  const where = locate({ lo: [v4("127.0.0.1")], ens7: [v4("10.10.0.100")], eth0: [v4("192.0.2.7")] }, "node-1");
  assert.deepEqual(where, { host: "romeo", interface: "ens7", addresses: ["10.10.0.100", "192.0.2.7"], hostname: "node-1" });
  assert.deepEqual(whereLines("romeo", where), ["this kernel runs on romeo (10.10.0.100 on ens7)"]);
});

test("attached to the other host's kernel: a warning naming the right kernel", () => {
  const where = locate({ lan0: [v4("10.10.0.101")] }, "juliet");
  assert.deepEqual(whereLines("romeo", where), [
    "this kernel runs on juliet (10.10.0.101 on lan0)",
    `warning: this notebook is romeo's, but its kernel runs on juliet: choose the kernel "TypeScript on romeo" (Kernel menu, Change Kernel) and run this cell again`,
  ]);
});

test("neither host: says so with the machine's addresses", () => {
  const where = { host: null, interface: null, addresses: ["192.0.2.7"], hostname: "laptop" };
  assert.deepEqual(whereLines("juliet", where), [
    "this kernel runs on laptop, addresses 192.0.2.7",
    `warning: this machine has neither romeo's nor juliet's address, so it is not juliet: choose the kernel "TypeScript on juliet" (Kernel menu, Change Kernel) and run this cell again`,
  ]);
});

test("ip -o -4 addr: interfaces whose link is not running yet still count", () => {
  const output = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n3: lan0@if2    inet 10.10.0.101/24 scope global lan0\\       valid_lft forever\n";
  assert.deepEqual(parseIpAddr(output), [{ iface: "lo", address: "127.0.0.1" }, { iface: "lan0", address: "10.10.0.101" }]);
});
