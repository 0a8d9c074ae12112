// Node's side of the UDP rate benchmark (dgram, the way Node programs use datagrams):
//   node-udp recv HOST WARMUP_S WINDOW_S IDLE_S   bind (HOST, 0), "READY <port>"; from the first
//       'message': skip WARMUP_S, count during WINDOW_S, keep counting until IDLE_S of silence
//   node-udp send HOST PORT SIZE SECONDS          send() SIZE-byte datagrams for SECONDS
import * as dgram from "node:dgram";
import { CHECK_EVERY, DatagramWindow, args, now, ready, result } from "./lines";

const USAGE = "usage: node-udp recv HOST WARMUP_S WINDOW_S IDLE_S | send HOST PORT SIZE SECONDS";

function receive(host: string, warmup: number, window: number, idle: number): void {
  const sock = dgram.createSocket("udp4");
  sock.bind(0, host, () => ready(sock.address().port));
  const firstTimer = setTimeout(() => { throw new Error("no datagram within 10 s"); }, 10_000);
  const counted = new DatagramWindow(warmup, window);
  let idleCheck: NodeJS.Timeout | undefined;
  const finish = (): void => {
    clearInterval(idleCheck);
    sock.close();
    result(counted.result());
  };
  sock.on("message", () => {
    counted.count();
    if (counted.total === 1) {
      clearTimeout(firstTimer);
      // Silence is checked on a timer rather than per datagram (no clock read per message).
      let seen = 0;
      idleCheck = setInterval(() => {
        if (counted.total === seen) finish();
        seen = counted.total;
      }, idle * 1000);
    }
  });
}

async function send(host: string, port: number, size: number, seconds: number): Promise<void> {
  const sock = dgram.createSocket("udp4");
  const payload = Buffer.alloc(size);
  let sent = 0;
  const deadline = now() + seconds;
  for (;;) {
    // A batch of CHECK_EVERY sends, then wait for the last one's callback: a bounded send queue.
    for (let i = 1; i < CHECK_EVERY; i++) sock.send(payload, port, host);
    await new Promise<void>((resolve, reject) => sock.send(payload, port, host, (err) => (err ? reject(err) : resolve())));
    sent += CHECK_EVERY;
    if (now() >= deadline) break;
  }
  sock.close();
  result({ sent });
}

const role = process.argv[2];
if (role === "recv") {
  const [, host, warmup, window, idle] = args(5, USAGE);
  receive(host, Number(warmup), Number(window), Number(idle));
} else {
  const [, host, port, size, seconds] = args(5, USAGE);
  void send(host, Number(port), Number(size), Number(seconds));
}
