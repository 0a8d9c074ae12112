import assert from "node:assert/strict";
import { after, test } from "node:test";
import { b, socket as makeSocket, AF_INET, SOCK_DGRAM, TimeoutError, OSError, Socket } from "../src/index";
import { FdWatch } from "../src/readiness";

const opened: Socket[] = [];
function boundUdp(): Socket {
  const sock = makeSocket(AF_INET, SOCK_DGRAM);
  sock.bind(["127.0.0.101", 0]);
  opened.push(sock);
  return sock;
}
after(() => opened.forEach((sock) => sock.close()));

test("a read waiter wakes when a datagram arrives, without consuming it", async () => {
  const [rx, tx] = [boundUdp(), boundUdp()];
  const watch = new FdWatch(rx.fileno());
  const waiting = watch.wait("read", null, "test");
  assert.equal(watch.waiting, 1);
  await tx.sendto(b`x`, rx.getsockname());
  await waiting;
  assert.equal(watch.waiting, 0);
  assert.equal(String(await rx.recv(10)), "b'x'");
  watch.dispose(new OSError("done"));
});

test("every waiter on a descriptor wakes; a writable socket wakes write waiters at once", async () => {
  const [rx, tx] = [boundUdp(), boundUdp()];
  const watch = new FdWatch(rx.fileno());
  const both = Promise.all([watch.wait("read", null, "a"), watch.wait("read", null, "b"), watch.wait("write", null, "c")]);
  await tx.sendto(b`x`, rx.getsockname());
  await both;
  watch.dispose(new OSError("done"));
});

test("a deadline rejects with TimeoutError and leaves nothing waiting", async () => {
  const rx = boundUdp();
  const watch = new FdWatch(rx.fileno());
  await assert.rejects(watch.wait("read", performance.now() + 30, "test"), TimeoutError);
  assert.equal(watch.waiting, 0);
  watch.dispose(new OSError("done"));
});

test("dispose ends all waiters with the given error", async () => {
  const rx = boundUdp();
  const watch = new FdWatch(rx.fileno());
  const waits = [watch.wait("read", null, "a"), watch.wait("write", performance.now() + 60000, "b")].map((p) => p.catch((err) => err));
  // The write waiter on an idle UDP socket is woken at once (writable); the read waiter stays.
  const err = new OSError(9);
  watch.dispose(err);
  const results = await Promise.all(waits);
  assert.equal(results[0], err);
});

// The poll handle stays armed between waits (a wait then costs no epoll_ctl): these check that
// it never keeps a finished script alive, never spins on data nobody waits for, and wakes
// waits that come after it went idle.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

function runChild(body: string) {
  const script = `const socket = require(${JSON.stringify(join(__dirname, "..", "src", "index.js"))});\n${body}`;
  return spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 20000 });
}

test("a script whose socket waited and was never closed still ends", () => {
  const run = runChild(`
(async () => {
  const rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  rx.bind(["127.0.0.101", 0]);
  setTimeout(() => socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(socket.b\`x\`, rx.getsockname()), 20);
  await rx.recvfrom(10);
  globalThis.last = performance.now();
  process.on("exit", () => console.log("ended " + Math.round(performance.now() - globalThis.last)));
})();`);
  assert.equal(run.status, 0, run.stderr);
  const ms = Number(/ended (\d+)/.exec(run.stdout)?.[1]);
  assert.ok(ms < 2000, `ended ${ms} ms after the last call`);
});

test("data that nobody waits for does not make the event loop spin", () => {
  const run = runChild(`
(async () => {
  const rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  rx.bind(["127.0.0.101", 0]);
  const tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  setTimeout(() => tx.sendto(socket.b\`1\`, rx.getsockname()), 20);
  await rx.recvfrom(10);
  // A second datagram arrives while no call waits; the loop stays alive 300 ms with a timer.
  await tx.sendto(socket.b\`2\`, rx.getsockname());
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const used = process.cpuUsage(before);
  const [data] = await rx.recvfrom(10);
  console.log(JSON.stringify({ cpuMs: (used.user + used.system) / 1000, data: String(data) }));
  rx.close(); tx.close();
})();`);
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout.trim());
  assert.equal(out.data, "b'2'");
  // A spinning loop would burn the whole 300 ms.
  assert.ok(out.cpuMs < 150, `cpu ${out.cpuMs} ms in 300 ms idle`);
});

test("waits after idle gaps (handle unref'd meanwhile) are woken, in order, each datagram once", async () => {
  const [rx, tx] = [boundUdp(), boundUdp()];
  for (let i = 0; i < 4; i++) {
    setTimeout(() => void tx.sendto(new Uint8Array([i]), rx.getsockname()), 15);
    const [data] = await rx.recvfrom(10);
    assert.deepEqual([...data], [i]);
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
  rx.settimeout(0.05);
  await assert.rejects(rx.recvfrom(10), TimeoutError);
});
