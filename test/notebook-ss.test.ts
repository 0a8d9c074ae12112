// ss output (real, from the lab: test/fixtures/notebook/ss-*.txt) parsed, narrowed to the
// experiment's sockets, and compared with the previous look.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { diffRows, experimentRows, ownSocketInodes, parseEndpoint, parseSs, formatEndpoint } from "@sockets-typescript/notebook";
import { projectRoot } from "./support/lab-fixture";

const fixture = (name: string) => readFileSync(join(projectRoot, "test", "fixtures", "notebook", `ss-${name}.txt`), "utf8");
const filter = { addresses: ["10.10.0.100", "10.10.0.101"], ports: [4000, 4001, 5000] };

test("rows with state, queues, both ends and the owning processes", () => {
  const rows = parseSs(fixture("tcp-juliet-close-wait"), "tcp");
  assert.deepEqual(rows.map((r) => [r.state, r.recvQ, r.sendQ, formatEndpoint(r.local), formatEndpoint(r.peer), r.pids.length]), [
    ["LISTEN", 0, 128, "10.10.0.101:4000", "0.0.0.0:*", 1],
    ["CLOSE-WAIT", 1, 0, "10.10.0.101:4000", "10.10.0.100:47718", 1],
  ]);
  const orphan = parseSs(fixture("tcp-romeo-fin-wait-2"), "tcp");
  assert.deepEqual(orphan.map((r) => [r.state, r.pids]), [["FIN-WAIT-2", []]]);
  assert.deepEqual(parseSs(fixture("tcp-juliet-data-waiting"), "tcp")[1].recvQ, 51);
});

test("endpoints: IPv4, IPv6 in brackets, interface suffixes, * ports", () => {
  assert.deepEqual(parseEndpoint("10.10.0.101:4000"), { address: "10.10.0.101", port: 4000 });
  assert.deepEqual(parseEndpoint("[::]:22"), { address: "::", port: 22 });
  assert.deepEqual(parseEndpoint("127.0.0.53%lo:53"), { address: "127.0.0.53", port: 53 });
  assert.deepEqual(parseEndpoint("0.0.0.0:*"), { address: "0.0.0.0", port: "*" });
  assert.equal(formatEndpoint({ address: "::1", port: 8888 }), "[::1]:8888");
});

test("experiment rows: the hosts' addresses, the experiment's ports, this kernel's sockets; never loopback", () => {
  const output = [
    "UNCONN 0 0 10.10.0.101:4000 0.0.0.0:* users:((\"node\",pid=10,fd=20))",
    "UNCONN 0 0 0.0.0.0:41234 0.0.0.0:* users:((\"node\",pid=10,fd=21))",
    "UNCONN 0 0 0.0.0.0:5353 0.0.0.0:* users:((\"avahi\",pid=99,fd=3))",
    "UNCONN 0 0 127.0.0.1:4000 0.0.0.0:* users:((\"node\",pid=10,fd=22))",
    "UNCONN 0 0 [::]:5000 [::]:*",
  ].join("\n");
  const rows = experimentRows(parseSs(output, "udp"), { ...filter, pid: 10 });
  assert.deepEqual(rows.map((r) => formatEndpoint(r.local)), ["10.10.0.101:4000", "0.0.0.0:41234", "[::]:5000"]);
  assert.deepEqual(experimentRows(parseSs(output, "udp"), filter).map((r) => formatEndpoint(r.local)), ["10.10.0.101:4000", "[::]:5000"]);
});

test("changes: new rows, a changed state or queue, gone rows last; the first look marks nothing", () => {
  const listen = parseSs(fixture("tcp-juliet-listen"), "tcp");
  const waiting = parseSs(fixture("tcp-juliet-data-waiting"), "tcp");
  const closeWait = parseSs(fixture("tcp-juliet-close-wait"), "tcp");
  assert.deepEqual(diffRows(null, listen).map((r) => r.change), ["same"]);
  assert.deepEqual(diffRows(listen, waiting).map((r) => [r.state, r.change, r.was]), [["LISTEN", "same", null], ["ESTAB", "new", null]]);
  assert.deepEqual(diffRows(waiting, closeWait).map((r) => [r.state, r.change, r.was]), [["LISTEN", "same", null], ["CLOSE-WAIT", "changed", "ESTAB"]]);
  const emptied = parseSs(fixture("tcp-juliet-data-waiting").replace(/ESTAB  51/, "ESTAB  0 "), "tcp");
  assert.deepEqual(diffRows(waiting, emptied)[1].was, "Recv-Q 51, Send-Q 0");
  assert.deepEqual(diffRows(closeWait, []).map((r) => [r.state, r.change, r.was]), [["LISTEN", "gone", "LISTEN"], ["CLOSE-WAIT", "gone", "CLOSE-WAIT"]]);
  const timeWait = diffRows(parseSs(fixture("tcp-romeo-fin-wait-2"), "tcp"), parseSs(fixture("tcp-romeo-time-wait"), "tcp"));
  assert.deepEqual(timeWait.map((r) => [r.state, r.change, r.was]), [["TIME-WAIT", "changed", "FIN-WAIT-2"]]);
});

test("this process's sockets by inode (ss -e), as the kernel finds its own unbound-address sockets", async () => {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "0.0.0.0", resolve));
  try {
    const port = socket.address().port;
    const rows = parseSs(execFileSync("ss", ["-H", "-n", "-a", "-e", "-u"], { encoding: "utf8" }), "udp");
    const mine = rows.find((row) => row.local.port === port && row.local.address === "0.0.0.0");
    assert.ok(mine && mine.inode !== null && mine.inode > 0, `ss -e lists the socket with its inode: ${JSON.stringify(mine)}`);
    const inodes = ownSocketInodes();
    assert.ok(inodes.has(mine!.inode!));
    assert.deepEqual(experimentRows(rows, { ...filter, inodes }).filter((row) => row.local.port === port).length, 1);
    assert.deepEqual(experimentRows(rows, filter).filter((row) => row.local.port === port).length, 0);
  } finally {
    socket.close();
  }
});
