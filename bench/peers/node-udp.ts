// Node's side of the UDP rate benchmark (dgram, the way Node programs use datagrams):
//   node-udp recv HOST WARMUP_S WINDOW_S IDLE_S   bind (HOST, 0), "READY <port>"; from the first
//       'message': skip WARMUP_S, count during WINDOW_S, keep counting until IDLE_S of silence
//   node-udp send HOST PORT SIZE SECONDS          send() SIZE-byte datagrams for SECONDS
import * as dgram from "node:dgram";
import { CHECK_EVERY, args, cpuSeconds, now, ready, result } from "./lines";

const USAGE = "usage: node-udp recv HOST WARMUP_S WINDOW_S IDLE_S | send HOST PORT SIZE SECONDS";

function receive(host: string, warmup: number, window: number, idle: number): void {
  const sock = dgram.createSocket("udp4");
  sock.bind(0, host, () => ready(sock.address().port));
  const firstTimer = setTimeout(() => { throw new Error("no datagram within 10 s"); }, 10_000);
  let total = 0;
  let windowStart = 0;
  let windowEnd = 0;
  let atStart: [number, number, number] | undefined;
  let atEnd: [number, number, number] | undefined;
  let idleCheck: NodeJS.Timeout | undefined;
  const finish = (): void => {
    clearInterval(idleCheck);
    sock.close();
    result(atStart && atEnd ? { total, window: atEnd[0] - atStart[0], seconds: atEnd[1] - atStart[1], cpu: atEnd[2] - atStart[2] } : { total });
  };
  sock.on("message", () => {
    total++;
    if (total === 1) {
      clearTimeout(firstTimer);
      windowStart = now() + warmup;
      windowEnd = windowStart + window;
      // Silence is checked on a timer rather than per datagram (no clock read per message).
      let seen = 0;
      idleCheck = setInterval(() => {
        if (total === seen) finish();
        seen = total;
      }, idle * 1000);
    } else if (total % CHECK_EVERY === 0) {
      const t = now();
      if (atStart === undefined) {
        if (t >= windowStart) atStart = [total, t, cpuSeconds()];
      } else if (atEnd === undefined && t >= windowEnd) {
        atEnd = [total, t, cpuSeconds()];
      }
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
