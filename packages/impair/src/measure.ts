// Measuring what a link does to datagrams: a sender numbers N datagrams (the bytes depend only
// on the number, so a replay sends the same bytes), a receiver notes when each copy arrived on
// the shared monotonic clock (both run on one machine in the lab), and `analyse` turns the two
// logs into loss, one-way delay, duplicates and reordering. Used by the tests and for the
// numbers in reports:
//   node measure.js recv <port> <count> <idle-ms>        (prints READY, then the JSON log)
//   node measure.js send <host> <port> <count> <gap-ms>  (prints the JSON log)
import { createSocket } from "node:dgram";

export interface Log {
  /** [sequence number, monotonic time in ns as a number] */
  events: [number, number][];
}

export interface Measurement {
  sent: number;
  /** Distinct datagrams that arrived. */
  received: number;
  loss: number;
  /** Extra copies per distinct datagram received. */
  duplicate: number;
  /** Fraction of distinct datagrams whose first copy came after a later-sent one. */
  reorder: number;
  medianDelayMs: number;
  /** Sequence numbers that never arrived (the drop pattern). */
  lost: number[];
}

export function payloadOf(seq: number): Buffer {
  return Buffer.from(`datagram ${String(seq).padStart(6, "0")} ${"x".repeat(40)}`);
}

export function analyse(sent: Log, received: Log): Measurement {
  const sentAt = new Map(sent.events);
  const first = new Map<number, number>();
  let copies = 0;
  let overtaken = 0;
  let highest = -1;
  for (const [seq, at] of received.events) {
    if (!sentAt.has(seq)) continue;
    if (first.has(seq)) {
      copies++;
      continue;
    }
    first.set(seq, at);
    if (seq < highest) overtaken++;
    highest = Math.max(highest, seq);
  }
  const delays = [...first].map(([seq, at]) => (at - sentAt.get(seq)!) / 1e6).sort((a, b) => a - b);
  const lost = sent.events.map(([seq]) => seq).filter((seq) => !first.has(seq));
  return {
    sent: sent.events.length,
    received: first.size,
    loss: sent.events.length ? lost.length / sent.events.length : 0,
    duplicate: first.size ? copies / first.size : 0,
    reorder: first.size ? overtaken / first.size : 0,
    medianDelayMs: delays.length ? delays[Math.floor(delays.length / 2)] : NaN,
    lost,
  };
}

const now = () => Number(process.hrtime.bigint());

function receive(port: number, count: number, idleMs: number): void {
  const sock = createSocket("udp4");
  const events: [number, number][] = [];
  let timer: NodeJS.Timeout | undefined;
  const finish = () => {
    sock.close();
    process.stdout.write(JSON.stringify({ events }) + "\n");
  };
  sock.on("message", (msg) => {
    const m = /^datagram (\d+)/.exec(msg.toString());
    if (m) events.push([Number(m[1]), now()]);
    if (timer) clearTimeout(timer);
    timer = setTimeout(finish, idleMs);
  });
  sock.bind(port, () => {
    process.stdout.write("READY\n");
    // Nothing at all arrives: give up after a generous while rather than wait forever.
    timer = setTimeout(finish, Math.max(idleMs, 5000 + count * 20));
  });
}

async function sendAll(host: string, port: number, count: number, gapMs: number): Promise<void> {
  const sock = createSocket("udp4");
  const events: [number, number][] = [];
  for (let seq = 0; seq < count; seq++) {
    await new Promise<void>((resolve, reject) => {
      events.push([seq, now()]);
      sock.send(payloadOf(seq), port, host, (err) => (err ? reject(err) : resolve()));
    });
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
  }
  sock.close();
  process.stdout.write(JSON.stringify({ events }) + "\n");
}

if (require.main === module) {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === "recv") receive(Number(rest[0]), Number(rest[1]), Number(rest[2]));
  else if (mode === "send") void sendAll(rest[0], Number(rest[1]), Number(rest[2]), Number(rest[3]));
  else {
    process.stderr.write("usage: measure.js recv <port> <count> <idle-ms> | send <host> <port> <count> <gap-ms>\n");
    process.exit(2);
  }
}
