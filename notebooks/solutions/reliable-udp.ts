// Reliable delivery of the balcony dialogue over UDP. UDP may lose, duplicate or reorder
// datagrams and never says so; this endpoint numbers each line, acknowledges every line it
// receives, sends unacknowledged lines again after a timeout, puts lines back in order, and
// reports what never arrived.
//
// Wire format, one datagram each (UTF-8):  "DATA <seq> <text>"  and  "ACK <seq>",
// where seq is the line's position in the whole dialogue (@sockets-typescript/dialogue).
import * as socket from "@sockets-typescript/socket";
import { DeliveryError, DialogueLine, RECEIVED_PREFIX, SENT_PREFIX } from "@sockets-typescript/dialogue";

export interface Timing {
  /** Seconds without an acknowledgement before unacknowledged lines are sent again. */
  retransmitAfter: number;
  /** How many times one line is sent at most before the sender gives up on it. */
  maxSends: number;
  /** Seconds a receiver waits for the partner's first datagram (a person may be slow to run the other notebook). */
  firstDatagramTimeout: number;
  /** Seconds of silence after which a receiver stops waiting for missing lines. */
  silenceTimeout: number;
  /**
   * Seconds of quiet from the partner after which an endpoint that is done stops answering its
   * repeats (its last acknowledgements may have been lost). Five retransmission periods, so that
   * a few lost datagrams in a row do not end the exchange early.
   */
  linger: number;
}

export const defaultTiming: Timing = {
  retransmitAfter: 0.2,
  maxSends: 15,
  firstDatagramTimeout: 120,
  silenceTimeout: 5,
  linger: 1,
};

export type Address = socket.AddressInput;

export interface Received {
  /** The partner's lines, in dialogue order, as far as they arrived without a gap. */
  heard: string[];
  /** The lines that did not arrive (or arrived only after a gap that never closed). */
  missing: DialogueLine[];
}

/** Fails (the cell or the program) if some of this host's lines were never acknowledged. */
export function checkAcknowledged(unacknowledged: readonly DialogueLine[]): void {
  if (unacknowledged.length > 0) {
    throw new DeliveryError(`no acknowledgement for lines ${unacknowledged.map((line) => line.seq).join(", ")}: the partner may not have them`);
  }
}

const dataPattern = /^DATA (\d+) ([\s\S]*)$/;
const ackPattern = /^ACK (\d+)$/;

export class DialogueEndpoint {
  /** The partner's address, learnt from its first datagram: where a receiver answers to. */
  peer: Address | null = null;
  private readonly arrived = new Map<number, string>();
  private readonly acknowledged = new Set<number>();

  constructor(private readonly sock: socket.Socket, private readonly timing: Timing = defaultTiming) {}

  /**
   * Sends the lines to `to`, all at once, then again every `retransmitAfter` seconds those
   * not yet acknowledged. Prints each line when first sent. Then keeps answering the partner's
   * repeats until it falls quiet: its own lines may still be waiting for an acknowledgement from
   * us (the last acknowledgements of the exchange can be lost too). Returns the lines never acknowledged.
   */
  async sendLines(lines: readonly DialogueLine[], to: Address): Promise<DialogueLine[]> {
    const waiting = new Map(lines.map((line) => [line.seq, line]));
    for (const line of lines) {
      await this.transmit(line, to);
      console.log(SENT_PREFIX + line.text);
    }
    for (let sends = 1; ; sends++) {
      await this.collectAcknowledgements(waiting);
      if (waiting.size === 0 || sends >= this.timing.maxSends) break;
      for (const line of waiting.values()) {
        await this.transmit(line, to);
        console.log(`resent (send ${sends + 1}): line ${line.seq}`);
      }
    }
    await this.lingerAfterwards();
    return [...waiting.values()];
  }

  /** Receives the partner's lines, prints each as it is delivered in order, and reports the missing ones. */
  async receiveLines(expected: readonly DialogueLine[]): Promise<Received> {
    const heard: string[] = [];
    const heldBack = new Set<number>();
    const deliver = () => {
      while (heard.length < expected.length && this.arrived.has(expected[heard.length].seq)) {
        const text = this.arrived.get(expected[heard.length].seq)!;
        heard.push(text);
        console.log(RECEIVED_PREFIX + text);
      }
      for (const seq of this.arrived.keys()) {
        const next = expected[heard.length];
        if (next && seq > next.seq && !heldBack.has(seq)) {
          heldBack.add(seq);
          console.log(`(line ${seq} arrived before line ${next.seq}: held back until the gap is filled)`);
        }
      }
    };
    deliver();
    while (heard.length < expected.length) {
      const wait = this.peer === null ? this.timing.firstDatagramTimeout : this.timing.silenceTimeout;
      if (!(await this.receiveOne(wait))) break;
      deliver();
    }
    await this.lingerAfterwards();
    const missing = expected.slice(heard.length);
    for (const line of missing) {
      const why = this.arrived.has(line.seq) ? "arrived, but an earlier line never came" : "did not arrive";
      console.log(`${why}: line ${line.seq} ${JSON.stringify(line.text)}`);
    }
    return { heard, missing };
  }

  private async transmit(line: DialogueLine, to: Address): Promise<void> {
    await this.sock.sendto(Buffer.from(`DATA ${line.seq} ${line.text}`, "utf8"), to);
  }

  /** Handles datagrams until every waiting line is acknowledged or `retransmitAfter` has passed. */
  private async collectAcknowledgements(waiting: Map<number, DialogueLine>): Promise<void> {
    const deadline = Date.now() + this.timing.retransmitAfter * 1000;
    for (;;) {
      for (const seq of waiting.keys()) if (this.acknowledged.has(seq)) waiting.delete(seq);
      const left = (deadline - Date.now()) / 1000;
      if (waiting.size === 0 || left <= 0) return;
      if (!(await this.receiveOne(left))) return;
    }
  }

  /** Keeps acknowledging repeated lines until the partner has been quiet for `linger` seconds. */
  private async lingerAfterwards(): Promise<void> {
    const giveUpAt = Date.now() + 10 * this.timing.linger * 1000;
    while (Date.now() < giveUpAt && (await this.receiveOne(this.timing.linger))) {
      // each repeat was acknowledged in receiveOne
    }
  }

  /** Waits up to `seconds` for one datagram and handles it; false on timeout. */
  private async receiveOne(seconds: number): Promise<boolean> {
    this.sock.settimeout(Math.max(seconds, 0.001));
    let data: Uint8Array;
    let from: Address;
    try {
      [data, from] = await this.sock.recvfrom(2048);
    } catch (err) {
      if (err instanceof socket.TimeoutError) return false;
      throw err;
    } finally {
      this.sock.settimeout(null);
    }
    await this.handle(Buffer.from(data).toString("utf8"), from);
    return true;
  }

  private async handle(text: string, from: Address): Promise<void> {
    const data = dataPattern.exec(text);
    if (data) {
      const seq = Number(data[1]);
      this.peer ??= from;
      if (!this.arrived.has(seq)) this.arrived.set(seq, data[2]);
      // Acknowledge every copy: if an earlier acknowledgement was lost, the sender is asking again.
      await this.sock.sendto(Buffer.from(`ACK ${seq}`, "utf8"), from);
      return;
    }
    const ack = ackPattern.exec(text);
    if (ack) {
      this.acknowledged.add(Number(ack[1]));
      return;
    }
    console.log(`ignored a datagram that is not part of the dialogue: ${JSON.stringify(text)}`);
  }
}
