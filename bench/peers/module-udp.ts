// This module's side of the UDP rate benchmark (@sockets-typescript/socket, as a notebook uses it):
//   module-udp recv HOST WARMUP_S WINDOW_S IDLE_S   bind (HOST, 0), "READY <port>"; from the first
//       datagram: skip WARMUP_S, count during WINDOW_S, keep counting until IDLE_S of silence
//   module-udp send HOST PORT SIZE SECONDS          sendto() SIZE-byte datagrams for SECONDS
import * as socket from "@sockets-typescript/socket";
import { CHECK_EVERY, DatagramWindow, args, now, ready, result } from "./lines";

const USAGE = "usage: module-udp recv HOST WARMUP_S WINDOW_S IDLE_S | send HOST PORT SIZE SECONDS";

async function receive(host: string, warmup: number, window: number, idle: number): Promise<void> {
  const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  sock.bind([host, 0]);
  ready(sock.getsockname()[1]);
  sock.settimeout(10);
  const counted = new DatagramWindow(warmup, window);
  await sock.recvfrom(2048);
  counted.count();
  // The timeout only starts when a call has to wait: it ends the run once the sender stops.
  sock.settimeout(idle);
  try {
    for (;;) {
      await sock.recvfrom(2048);
      counted.count();
    }
  } catch (err) {
    if (!(err instanceof socket.timeout)) throw err;
  }
  sock.close();
  result(counted.result());
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
