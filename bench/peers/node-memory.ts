// Node's side of the memory benchmark: RSS before and after opening COUNT dgram sockets
// bound to (HOST, 0). Run with node --expose-gc.   node-memory COUNT HOST
import * as dgram from "node:dgram";
import { once } from "node:events";
import { args, result } from "./lines";

const [count, host] = args(2, "usage: node --expose-gc node-memory COUNT HOST");
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

async function bound(): Promise<dgram.Socket> {
  const sock = dgram.createSocket("udp4");
  sock.bind(0, host);
  await once(sock, "listening");
  return sock;
}

async function main(): Promise<void> {
  // Warm up: the first sockets compile and load what is lazily loaded; not counted.
  for (let i = 0; i < 10; i++) (await bound()).close();
  gc!();
  gc!();
  const { rss: before, heapUsed: heapBefore } = process.memoryUsage();
  const held: dgram.Socket[] = [];
  for (let i = 0; i < Number(count); i++) held.push(await bound());
  gc!();
  gc!();
  const { rss: after, heapUsed: heapAfter } = process.memoryUsage();
  result({ count: held.length, before, after, heap: heapAfter - heapBefore });
  for (const sock of held) sock.close();
}

void main();
