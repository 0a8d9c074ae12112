// This module's side of the memory benchmark: RSS before and after opening COUNT UDP sockets
// bound to (HOST, 0). Run with node --expose-gc.   module-memory COUNT HOST
import * as socket from "@sockets-typescript/socket";
import { args, result } from "./lines";

const [count, host] = args(2, "usage: node --expose-gc module-memory COUNT HOST");
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

// Warm up: the first sockets compile and load what is lazily loaded; not counted.
for (let i = 0; i < 10; i++) {
  const warm = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  warm.bind([host, 0]);
  warm.close();
}
gc();
gc();
const { rss: before, heapUsed: heapBefore } = process.memoryUsage();
const held: socket.Socket[] = [];
for (let i = 0; i < Number(count); i++) {
  const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  sock.bind([host, 0]);
  held.push(sock);
}
gc();
gc();
const { rss: after, heapUsed: heapAfter } = process.memoryUsage();
result({ count: held.length, before, after, heap: heapAfter - heapBefore });
for (const sock of held) sock.close();
