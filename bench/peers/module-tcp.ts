// This module's side of the TCP bulk benchmark (@sockets-typescript/socket, as a notebook uses it):
//   module-tcp recv HOST LIMIT_S      listen on (HOST, 0), "READY <port>", recv(65536) until EOF
//                                     or LIMIT_S seconds, "RESULT {bytes, seconds, ...}"
//   module-tcp recv_into HOST LIMIT_S the same with recv_into() into one reused 64 KiB buffer
//   module-tcp send HOST PORT BYTES   connect, sendall() 1 MiB chunks
import * as socket from "@sockets-typescript/socket";
import { acceptOne } from "./accept";
import { CHECK_EVERY, args, cpuSeconds, now, result } from "./lines";

const USAGE = "usage: module-tcp recv|recv_into HOST LIMIT_S | send HOST PORT BYTES";
const CHUNK = 1 << 20;

async function receive(host: string, limit: number, into: boolean): Promise<void> {
  const { server, conn } = await acceptOne(host, limit);
  // The timeout only starts when a call has to wait: it costs nothing while data flows.
  conn.settimeout(2);
  let total = 0;
  let calls = 0;
  let ended = "eof";
  const start = now();
  const cpuStart = cpuSeconds();
  const deadline = start + limit;
  const buffer = new Uint8Array(65536);
  try {
    // Two loops, so that the recv() loop is exactly what a student writes.
    while (into) {
      const n = await conn.recv_into(buffer);
      if (n === 0) break;
      total += n;
      calls++;
      if (calls % CHECK_EVERY === 0 && now() >= deadline) {
        ended = "time limit";
        break;
      }
    }
    while (!into) {
      const data = await conn.recv(65536);
      if (data.length === 0) break;
      total += data.length;
      calls++;
      if (calls % CHECK_EVERY === 0 && now() >= deadline) {
        ended = "time limit";
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof socket.timeout)) throw err;
    ended = "idle";
  }
  const seconds = now() - start;
  const cpu = cpuSeconds() - cpuStart;
  conn.close();
  server.close();
  result({ bytes: total, seconds, cpu, calls, ended });
}

async function send(host: string, port: number, count: number): Promise<void> {
  const sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
  await sock.connect([host, port]);
  const chunk = new Uint8Array(CHUNK);
  for (let left = count; left > 0; left -= CHUNK) {
    await sock.sendall(left >= CHUNK ? chunk : chunk.subarray(0, left));
  }
  sock.close();
  result({ sent: count });
}

const role = process.argv[2];
if (role === "recv" || role === "recv_into") {
  const [, host, limit] = args(3, USAGE);
  void receive(host, Number(limit), role === "recv_into");
} else {
  const [, host, port, count] = args(4, USAGE);
  void send(host, Number(port), Number(count));
}
