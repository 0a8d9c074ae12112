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
