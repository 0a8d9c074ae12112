// 64-byte UDP datagrams per second: one implementation's sender sends as fast as it can for a
// fixed time, its receiver (another process) counts what arrives during a fixed window after a
// warm-up; loss = what was sent but never received, over the whole run.
import type { Implementation } from "./implementations";
import type { Link } from "./links";
import { Peer } from "./peer-process";
import type { Pace } from "./tcp-bulk";

export interface UdpRun {
  /** Datagrams per second received during the window. */
  rate: number;
  sent: number;
  received: number;
  /** Share of the sent datagrams never received (0..1). */
  loss: number;
  /** Datagrams the receiver takes in per second of its own CPU time during the window. */
  perCpuSecond: number;
}

export interface UdpOptions {
  size: number;
  warmup: number;
  window: number;
  /** The receiver ends after this long without a datagram. */
  idle: number;
}

interface ReceiverResult { total: number; window?: number; seconds?: number; cpu?: number }

export async function udpRate(impl: Implementation, link: Link, o: UdpOptions, pace?: Pace): Promise<UdpRun> {
  const receiver = new Peer(`${impl.label} UDP receiver`,
    link.receiverArgv(impl.argv("udp", ["recv", link.receiverHost, String(o.warmup), String(o.window), String(o.idle)])));
  let sender: Peer | undefined;
  try {
    const port = await receiver.ready(10_000);
    // The sender goes on a little past the window, so the window never sees it slow down or stop.
    const sendSeconds = o.warmup + o.window + 0.5;
    const sendArgs = ["send", link.receiverHost, String(port), String(o.size), String(sendSeconds)];
    sender = pace
      ? new Peer(`${pace.sender.label} UDP sender paced to ${pace.rate} dgram/s`, link.senderArgv(pace.sender.argv("udp", [...sendArgs, String(pace.rate)])))
      : new Peer(`${impl.label} UDP sender`, link.senderArgv(impl.argv("udp", sendArgs)));
    const { sent } = await sender.result<{ sent: number }>((sendSeconds + 10) * 1000);
    const got = await receiver.result<ReceiverResult>((o.idle + 10) * 1000);
    if (got.window === undefined || got.seconds === undefined || got.cpu === undefined) {
      throw new Error(`${impl.label} UDP receiver: the datagrams stopped before the window ended (${got.total} received)`);
    }
    return { rate: got.window / got.seconds, sent, received: got.total, loss: Math.max(0, 1 - got.total / sent), perCpuSecond: got.window / got.cpu };
  } finally {
    receiver.kill();
    sender?.kill();
  }
}
