// TCP bulk transfer: one implementation's receiver and sender in two processes over one link;
// the receiver reads with recv(65536) until EOF and measures (from accept to EOF).
import type { Implementation } from "./implementations";
import type { Link } from "./links";
import { Peer } from "./peer-process";

export interface TcpRun {
  bytes: number;
  seconds: number;
  /** Megabytes (10^6 bytes) per second at the receiver. */
  mbps: number;
  /** How the receiver stopped: "eof" (all data), "time limit" or "idle". */
  ended: string;
  /** MB the receiver takes in per second of its own CPU time (user + system): its cost, whatever else runs. */
  mbPerCpuSecond: number;
}

/**
 * A paced run: every implementation's receiver gets the same offered load from one sender
 * (CPython's, paced to `rate`: MB/s for TCP, datagrams/s for UDP), so that its CPU is spent on the
 * same work whatever its speed, instead of on keeping up with its own free-running sender.
 */
export interface Pace {
  sender: Implementation;
  rate: number;
}

interface ReceiverResult { bytes: number; seconds: number; cpu: number; calls: number; ended: string }

export async function tcpBulk(impl: Implementation, link: Link, bytes: number, limitSeconds: number, pace?: Pace): Promise<TcpRun> {
  const receiver = new Peer(`${impl.label} TCP receiver`, link.receiverArgv(impl.argv("tcp", ["recv", link.receiverHost, String(limitSeconds)])));
  let sender: Peer | undefined;
  try {
    const port = await receiver.ready(10_000);
    const sendArgs = ["send", link.receiverHost, String(port), String(bytes)];
    sender = pace
      ? new Peer(`${pace.sender.label} TCP sender paced to ${pace.rate} MB/s`, link.senderArgv(pace.sender.argv("tcp", [...sendArgs, String(pace.rate)])))
      : new Peer(`${impl.label} TCP sender`, link.senderArgv(impl.argv("tcp", sendArgs)));
    const got = await receiver.result<ReceiverResult>((limitSeconds + 15) * 1000);
    // A receiver that stopped early (time limit) closes on the sender: its failure is expected then.
    if (got.ended === "eof") await sender.result((limitSeconds + 5) * 1000);
    return { bytes: got.bytes, seconds: got.seconds, mbps: got.bytes / got.seconds / 1e6, ended: got.ended, mbPerCpuSecond: got.bytes / got.cpu / 1e6 };
  } finally {
    receiver.kill();
    sender?.kill();
  }
}
