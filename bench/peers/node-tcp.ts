// Node's side of the TCP bulk benchmark (net, the way Node programs stream data):
//   node-tcp recv HOST LIMIT_S      listen on (HOST, 0), "READY <port>", count 'data' until 'end'
//                                   or LIMIT_S seconds (Node reads in 64 KiB chunks)
//   node-tcp send HOST PORT BYTES   connect, write() 1 MiB chunks, waiting for 'drain'
import * as net from "node:net";
import { once } from "node:events";
import { CHECK_EVERY, args, cpuSeconds, now, ready, result } from "./lines";

const USAGE = "usage: node-tcp recv HOST LIMIT_S | send HOST PORT BYTES";
const CHUNK = 1 << 20;

function receive(host: string, limit: number): void {
  const server = net.createServer();
  server.listen(0, host, () => ready((server.address() as net.AddressInfo).port));
  const acceptTimer = setTimeout(() => { throw new Error(`no connection within ${limit} s`); }, limit * 1000);
  server.once("connection", (conn) => {
    clearTimeout(acceptTimer);
    server.close();
    let total = 0;
    let calls = 0;
    const start = now();
    const cpuStart = cpuSeconds();
    const deadline = start + limit;
    let done = false;
    const finish = (ended: string): void => {
      if (done) return;
      done = true;
      const seconds = now() - start;
      const cpu = cpuSeconds() - cpuStart;
      clearInterval(idleCheck);
      conn.destroy();
      result({ bytes: total, seconds, cpu, calls, ended });
    };
    // An interval rather than conn.setTimeout: no timer refresh on every chunk.
    let seen = -1;
    const idleCheck = setInterval(() => {
      if (total === seen) finish("idle");
      seen = total;
    }, 2000);
    conn.on("data", (chunk: Buffer) => {
      total += chunk.length;
      calls++;
      if (calls % CHECK_EVERY === 0 && now() >= deadline) finish("time limit");
    });
    conn.on("end", () => finish("eof"));
  });
}

async function send(host: string, port: number, count: number): Promise<void> {
  const sock = net.connect(port, host);
  await once(sock, "connect");
  const chunk = Buffer.alloc(CHUNK);
  for (let left = count; left > 0; left -= CHUNK) {
    if (!sock.write(left >= CHUNK ? chunk : chunk.subarray(0, left))) await once(sock, "drain");
  }
  sock.end();
  await once(sock, "close");
  result({ sent: count });
}

const role = process.argv[2];
if (role === "recv") {
  const [, host, limit] = args(3, USAGE);
  receive(host, Number(limit));
} else {
  const [, host, port, count] = args(4, USAGE);
  void send(host, Number(port), Number(count));
}
