// The design's floor: what a receiver on the same machinery as this module (non-blocking system
// calls through koffi, readiness from a libuv poll handle on Node's event loop) costs with
// nothing else on top: no argument checks, no timeout, no stop button, no address decoding, one
// poll handle armed for good. The bench offers it the same paced load as this module's receiver
// and CPython's, so that "this module / floor" is the module's own overhead and "floor /
// CPython" what this way of waiting costs against a blocking call (one system call per wake,
// where the event loop needs three: the recv that finds nothing, epoll_wait, the recv again).
// It still makes what a program needs from a receive: a fresh result per call, never a view of
// a reused buffer (a TCP read goes straight into its own new 64 KiB buffer, as this module's).
//   floor tcp recv HOST LIMIT_S                    as module-tcp recv (recv(65536) until EOF)
//   floor udp recv HOST WARMUP_S WINDOW_S IDLE_S   as module-udp recv (64-byte datagrams)
import * as socket from "@sockets-typescript/socket";
// The socket package's own foreign functions (libc.ts stays the only file that declares any).
import * as libc from "@sockets-typescript/socket/dist/src/libc";
import { acceptOne } from "./accept";
import { CHECK_EVERY, DatagramWindow, args, cpuSeconds, now, ready, result } from "./lines";

const USAGE = "usage: floor tcp recv HOST LIMIT_S | floor udp recv HOST WARMUP_S WINDOW_S IDLE_S";
const { EAGAIN } = socket.errno;

/** Resolves when fd is readable; the handle stays armed between waits (as the module's does). */
function readiness(fd: number): { wait: () => Promise<void>; close: () => void } {
  let wake: (() => void) | null = null;
  const handle = libc.pollHandle(fd, { readable: true }, () => {
    const w = wake;
    wake = null;
    w?.();
  });
  return { wait: () => new Promise<void>((resolve) => (wake = resolve)), close: () => handle.close() };
}

/** Calls onIdle when nothing came for `idle()` seconds (checked ten times a second). */
function idleWatch(idle: () => number, onIdle: () => void): { progress: () => void; stop: () => void } {
  let last = now();
  const timer = setInterval(() => now() - last >= idle() && onIdle(), 100);
  return { progress: () => (last = now()), stop: () => clearInterval(timer) };
}

async function tcp(host: string, limit: number): Promise<void> {
  const { conn } = await acceptOne(host, limit);
  const fd = conn.fileno();
  const poll = readiness(fd);
  let total = 0;
  let calls = 0;
  let ended = "eof";
  const start = now();
  const cpuStart = cpuSeconds();
  const deadline = start + limit;
  const finish = () => {
    const seconds = now() - start;
    const cpu = cpuSeconds() - cpuStart;
    result({ bytes: total, seconds, cpu, calls, ended });
    process.exit(0);
  };
  const idle = idleWatch(() => 2, () => {
    ended = "idle";
    finish();
  });
  for (;;) {
    const buffer = Buffer.allocUnsafeSlow(65536);
    const n = libc.recv(fd, buffer, 65536, 0);
    if (n < 0) {
      if (libc.errno() !== EAGAIN) throw new Error(`recv: errno ${libc.errno()}`);
      await poll.wait();
      continue;
    }
    if (n === 0) break;
    total += n;
    calls++;
    if (calls % CHECK_EVERY === 0) {
      idle.progress();
      if (now() >= deadline) {
        ended = "time limit";
        break;
      }
    }
  }
  idle.stop();
  poll.close();
  finish();
}

async function udp(host: string, warmup: number, window: number, idle: number): Promise<void> {
  const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  sock.bind([host, 0]);
  ready(sock.getsockname()[1]);
  const fd = sock.fileno();
  const poll = readiness(fd);
  const scratch = Buffer.allocUnsafeSlow(2048);
  const name = Buffer.alloc(128);
  const nameLen = new Uint32Array(1);
  const counted = new DatagramWindow(warmup, window);
  // Before the first datagram the sender may take a while to start (the module's peer allows 10 s).
  const watch = idleWatch(() => (counted.total === 0 ? 10 : idle), () => {
    // The module's receiver ends the same way: idle seconds after the sender stopped.
    result(counted.result());
    process.exit(0);
  });
  for (;;) {
    nameLen[0] = name.length;
    const n = libc.recvfrom(fd, scratch, scratch.length, 0, name, nameLen);
    if (n < 0) {
      if (libc.errno() !== EAGAIN) throw new Error(`recvfrom: errno ${libc.errno()}`);
      await poll.wait();
      continue;
    }
    // A fresh result per datagram, as a receive must return.
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = scratch[i];
    if (counted.count()) watch.progress();
  }
}

const [concern, role] = process.argv.slice(2);
if (concern === "tcp" && role === "recv") {
  const [, , host, limit] = args(4, USAGE);
  void tcp(host, Number(limit));
} else if (concern === "udp" && role === "recv") {
  const [, , host, warmup, window, idle] = args(6, USAGE);
  void udp(host, Number(warmup), Number(window), Number(idle));
} else {
  process.stderr.write(USAGE + "\n");
  process.exit(2);
}
