// This module's side of the UDP rate benchmark (@sockets-typescript/socket, as a notebook uses it):
//   module-udp recv HOST WARMUP_S WINDOW_S IDLE_S   bind (HOST, 0), "READY <port>"; from the first
//       datagram: skip WARMUP_S, count during WINDOW_S, keep counting until IDLE_S of silence
//   module-udp send HOST PORT SIZE SECONDS          sendto() SIZE-byte datagrams for SECONDS
import * as socket from "@sockets-typescript/socket";
import { CHECK_EVERY, args, cpuSeconds, now, ready, result } from "./lines";

const USAGE = "usage: module-udp recv HOST WARMUP_S WINDOW_S IDLE_S | send HOST PORT SIZE SECONDS";

async function receive(host: string, warmup: number, window: number, idle: number): Promise<void> {
  const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  sock.bind([host, 0]);
  ready(sock.getsockname()[1]);
  sock.settimeout(10);
  await sock.recvfrom(2048);
  // The timeout only starts when a call has to wait: it ends the run once the sender stops.
  sock.settimeout(idle);
  let total = 1;
  const first = now();
  const windowStart = first + warmup;
  const windowEnd = windowStart + window;
  let atStart: [number, number, number] | undefined;
  let atEnd: [number, number, number] | undefined;
  try {
    for (;;) {
      await sock.recvfrom(2048);
      total++;
      if (total % CHECK_EVERY === 0) {
        const t = now();
        if (atStart === undefined) {
          if (t >= windowStart) atStart = [total, t, cpuSeconds()];
        } else if (atEnd === undefined && t >= windowEnd) {
          atEnd = [total, t, cpuSeconds()];
        }
      }
    }
  } catch (err) {
    if (!(err instanceof socket.timeout)) throw err;
  }
  sock.close();
  result(atStart && atEnd ? { total, window: atEnd[0] - atStart[0], seconds: atEnd[1] - atStart[1], cpu: atEnd[2] - atStart[2] } : { total });
}

async function send(host: string, port: number, size: number, seconds: number): Promise<void> {
  const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  const payload = new Uint8Array(size);
  const address = [host, port];
  let sent = 0;
  const deadline = now() + seconds;
  for (;;) {
    await sock.sendto(payload, address);
    sent++;
    if (sent % CHECK_EVERY === 0 && now() >= deadline) break;
  }
  sock.close();
  result({ sent });
}

const role = process.argv[2];
if (role === "recv") {
  const [, host, warmup, window, idle] = args(5, USAGE);
  void receive(host, Number(warmup), Number(window), Number(idle));
} else {
  const [, host, port, size, seconds] = args(5, USAGE);
  void send(host, Number(port), Number(size), Number(seconds));
}
