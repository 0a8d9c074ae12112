// The NFQUEUE protocol of nfnetlink (linux/netfilter/nfnetlink_queue.h), built and read by hand:
// netlink header (host byte order), nfgenmsg (queue number big-endian), attributes (length and
// type in host order, netfilter payloads big-endian). Pure functions: the stage does the I/O.
import { endianness } from "node:os";

export const AF_NETLINK = 16;
export const NETLINK_NETFILTER = 12;
const NFNL_SUBSYS_QUEUE = 3;
export const NFQNL_MSG_PACKET = (NFNL_SUBSYS_QUEUE << 8) | 0;
export const NFQNL_MSG_VERDICT = (NFNL_SUBSYS_QUEUE << 8) | 1;
export const NFQNL_MSG_CONFIG = (NFNL_SUBSYS_QUEUE << 8) | 2;
export const NLMSG_ERROR = 2;
const NLM_F_REQUEST = 1;
const NLM_F_ACK = 4;
export const NFQNL_CFG_CMD_BIND = 1;
export const NFQNL_CFG_CMD_UNBIND = 2;
const NFQA_CFG_CMD = 1;
const NFQA_CFG_PARAMS = 2;
const NFQA_CFG_QUEUE_MAXLEN = 3;
const NFQNL_COPY_PACKET = 2;
const NFQA_PACKET_HDR = 1;
const NFQA_VERDICT_HDR = 2;
const NFQA_PAYLOAD = 10;
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
/** Netfilter hooks as NFQUEUE reports them. */
export const NF_INET_PRE_ROUTING = 0;
export const NF_INET_POST_ROUTING = 4;
/** Linux numbers the stage's sockets need that the socket package (Python's names) does not carry. */
export const SO_RCVBUFFORCE = 33;
export const SO_RCVTIMEO = 20;
export const SO_MARK = 36;
export const IPPROTO_RAW = 255;
export const EAGAIN = 11;
export const EINTR = 4;
export const ENOBUFS = 105;

const LE = endianness() === "LE";
const align4 = (n: number) => (n + 3) & ~3;

function u16h(buf: Buffer, off: number, v: number) {
  if (LE) buf.writeUInt16LE(v, off);
  else buf.writeUInt16BE(v, off);
}
function u32h(buf: Buffer, off: number, v: number) {
  if (LE) buf.writeUInt32LE(v, off);
  else buf.writeUInt32BE(v, off);
}
const r16h = (buf: Buffer, off: number) => (LE ? buf.readUInt16LE(off) : buf.readUInt16BE(off));
const r32h = (buf: Buffer, off: number) => (LE ? buf.readUInt32LE(off) : buf.readUInt32BE(off));

/** One nfqueue message: netlink header + nfgenmsg(queue) + attributes. */
function message(type: number, flags: number, seq: number, queue: number, attrs: [number, Buffer][]): Buffer {
  const size = 16 + 4 + attrs.reduce((n, [, p]) => n + align4(4 + p.length), 0);
  const buf = Buffer.alloc(size);
  u32h(buf, 0, size);
  u16h(buf, 4, type);
  u16h(buf, 6, flags | NLM_F_REQUEST);
  u32h(buf, 8, seq);
  u32h(buf, 12, 0);
  buf.writeUInt8(0, 16); // AF_UNSPEC
  buf.writeUInt8(0, 17); // NFNETLINK_V0
  buf.writeUInt16BE(queue, 18);
  let off = 20;
  for (const [t, payload] of attrs) {
    u16h(buf, off, 4 + payload.length);
    u16h(buf, off + 2, t);
    payload.copy(buf, off + 4);
    off += align4(4 + payload.length);
  }
  return buf;
}

/** Bind (or unbind) this socket to queue `queue` for IPv4; asks for an acknowledgement. */
export function configCommand(queue: number, command: number, seq: number): Buffer {
  const cmd = Buffer.alloc(4);
  cmd.writeUInt8(command, 0);
  cmd.writeUInt16BE(2 /* AF_INET */, 2);
  return message(NFQNL_MSG_CONFIG, NLM_F_ACK, seq, queue, [[NFQA_CFG_CMD, cmd]]);
}

/** Copy whole packets (up to copyRange bytes) and allow up to maxLen packets waiting for a verdict. */
export function configParams(queue: number, copyRange: number, maxLen: number, seq: number): Buffer {
  const params = Buffer.alloc(5);
  params.writeUInt32BE(copyRange, 0);
  params.writeUInt8(NFQNL_COPY_PACKET, 4);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(maxLen, 0);
  return message(NFQNL_MSG_CONFIG, NLM_F_ACK, seq, queue, [[NFQA_CFG_PARAMS, params], [NFQA_CFG_QUEUE_MAXLEN, len]]);
}

export function verdict(queue: number, packetId: number, decision: number): Buffer {
  const hdr = Buffer.alloc(8);
  hdr.writeUInt32BE(decision, 0);
  hdr.writeUInt32BE(packetId, 4);
  return message(NFQNL_MSG_VERDICT, 0, 0, queue, [[NFQA_VERDICT_HDR, hdr]]);
}

export type Incoming =
  | { kind: "packet"; queue: number; id: number; hook: number; payload: Buffer }
  | { kind: "ack"; seq: number; error: number }
  | { kind: "other"; type: number };

/** Splits a datagram read from the netlink socket into messages. */
export function parseMessages(buf: Buffer): Incoming[] {
  const out: Incoming[] = [];
  let off = 0;
  while (off + 16 <= buf.length) {
    const len = r32h(buf, off);
    if (len < 16 || off + len > buf.length) break;
    const type = r16h(buf, off + 4);
    const seq = r32h(buf, off + 8);
    if (type === NLMSG_ERROR) {
      out.push({ kind: "ack", seq, error: LE ? buf.readInt32LE(off + 16) : buf.readInt32BE(off + 16) });
    } else if (type === NFQNL_MSG_PACKET) {
      const queue = buf.readUInt16BE(off + 18);
      let id = -1;
      let hook = -1;
      let payload = Buffer.alloc(0);
      let a = off + 20;
      while (a + 4 <= off + len) {
        const alen = r16h(buf, a);
        const atype = r16h(buf, a + 2) & 0x3fff;
        if (alen < 4) break;
        if (atype === NFQA_PACKET_HDR) {
          id = buf.readUInt32BE(a + 4);
          hook = buf.readUInt8(a + 10);
        } else if (atype === NFQA_PAYLOAD) {
          payload = Buffer.from(buf.subarray(a + 4, a + alen));
        }
        a += align4(alen);
      }
      out.push({ kind: "packet", queue, id, hook, payload });
    } else {
      out.push({ kind: "other", type });
    }
    off += align4(len);
  }
  return out;
}
