// The balcony dialogue over UDP, as a standalone program: the protocol of the solution notebooks
// (03-balcony-udp-*.ipynb), stop-and-wait, in one file. On each host:
//   node dist/notebooks/solutions/balcony-udp.js juliet     (start it first)
//   node dist/notebooks/solutions/balcony-udp.js romeo
// Each line travels as "DATA <seq> <text>" and is answered with "ACK <seq>"; the sender waits
// for the ACK up to 0.2 s and sends the line again when none comes; a receiver acknowledges a
// repeated line again without delivering it twice, and after its last line keeps acknowledging
// repeats until the sender has been quiet for a second (its last ACK may have been lost).
import * as socket from "@sockets-typescript/socket";
import { JULIET, ports } from "@sockets-typescript/topology";
import { RECEIVED_PREFIX, SENT_PREFIX, checkDelivery, linesOf, runAs, type Speaker } from "@sockets-typescript/dialogue";

const dataDatagram = (seq: number, text: string) => Buffer.from(`DATA ${seq} ${text}`);
const ackDatagram = (seq: number) => Buffer.from(`ACK ${seq}`);

function parse(data: Uint8Array): { kind: "DATA" | "ACK"; seq: number; text: string } | null {
  const match = /^(DATA|ACK) (\d+)(?: ([\s\S]*))?$/.exec(Buffer.from(data).toString());
  return match ? { kind: match[1] as "DATA" | "ACK", seq: Number(match[2]), text: match[3] ?? "" } : null;
}

/** The three functions of the notebooks' protocol cell, on one socket. */
function protocol(sock: socket.Socket) {
  async function recvOrTimeout(): Promise<[socket.Bytes, socket.AddressInput] | null> {
    try {
      return await sock.recvfrom(1024);
    } catch (err) {
      if (err instanceof socket.timeout) return null;
      throw err;
    }
  }

  /** Sends line `seq` and returns once its ACK came back; `maxSends` bounds the repeats. */
  async function sendLine(seq: number, text: string, to: socket.AddressInput, maxSends = 20): Promise<void> {
    await sock.sendto(dataDatagram(seq, text), to);
    sock.settimeout(0.2);
    try {
      for (let sends = 1; ; ) {
        const got = await recvOrTimeout();
        if (got === null) {
          if (++sends > maxSends) throw new Error(`line ${seq}: no ACK after ${maxSends} sends: is the partner running?`);
          await sock.sendto(dataDatagram(seq, text), to);
          continue;
        }
        const message = parse(got[0]);
        if (message?.kind === "ACK" && message.seq === seq) return;
        if (message?.kind === "DATA") await sock.sendto(ackDatagram(message.seq), got[1]);
      }
    } finally {
      sock.settimeout(null);
    }
  }

  async function receiveLine(seq: number, patience: number): Promise<[string, socket.AddressInput] | null> {
    sock.settimeout(patience);
    try {
      for (;;) {
        const got = await recvOrTimeout();
        if (got === null) return null;
        const message = parse(got[0]);
        if (message?.kind !== "DATA" || message.seq > seq) continue;
        await sock.sendto(ackDatagram(message.seq), got[1]);
        if (message.seq === seq) return [message.text, got[1]];
      }
    } finally {
      sock.settimeout(null);
    }
  }

  async function acknowledgeRepeats(quiet: number): Promise<void> {
    sock.settimeout(quiet);
    try {
      for (let got = await recvOrTimeout(); got !== null; got = await recvOrTimeout()) {
        const message = parse(got[0]);
        if (message?.kind === "DATA") await sock.sendto(ackDatagram(message.seq), got[1]);
      }
    } finally {
      sock.settimeout(null);
    }
  }

  /** Sends this host's lines, one at a time, printing each once delivered. */
  async function speak(me: Speaker, to: socket.AddressInput, firstMaxSends = 20): Promise<void> {
    for (const [i, line] of linesOf(me).entries()) {
      await sendLine(line.seq, line.text, to, i === 0 ? firstMaxSends : 20);
      console.log(SENT_PREFIX + line.text);
    }
  }

  /** Receives the partner's lines, printing each; returns them and the partner's address. */
  async function listen(partner: Speaker, firstPatience: number): Promise<{ heard: string[]; from: socket.AddressInput | null }> {
    const heard: string[] = [];
    let from: socket.AddressInput | null = null;
    for (const line of linesOf(partner)) {
      const got = await receiveLine(line.seq, heard.length === 0 ? firstPatience : 5);
      if (got === null) break;
      heard.push(got[0]);
      from = got[1];
      console.log(RECEIVED_PREFIX + got[0]);
    }
    await acknowledgeRepeats(1);
    return { heard, from };
  }

  return { speak, listen };
}

async function juliet(): Promise<void> {
  const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  sock.bind([JULIET, ports.juliet]);
  console.log(`juliet waits on ${JULIET}:${ports.juliet}`);
  const { speak, listen } = protocol(sock);
  const { heard, from } = await listen("romeo", 120);
  if (from !== null) await speak("juliet", from);
  sock.close();
  checkDelivery("romeo", heard);
}

async function romeo(): Promise<void> {
  const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  const { speak, listen } = protocol(sock);
  // Juliet may start a little later: the first line is repeated for up to 10 s.
  await speak("romeo", [JULIET, ports.juliet], 50);
  const { heard } = await listen("juliet", 30);
  sock.close();
  checkDelivery("juliet", heard);
}

if (require.main === module) runAs("dist/notebooks/solutions/balcony-udp.js", { juliet, romeo });
