// The userspace impairment stage: a small process that runs inside the host (its network
// namespace, as root) for as long as the impairment is on. The kernel hands it each IPv4
// packet leaving (and, for direction "both", arriving on) the interface through NFQUEUE; the
// stage decides the packet's fate from the seed (fate.ts) and answers with a verdict: drop now,
// accept now, or accept later (delay = the verdict is held; reorder = a packet waits until the
// next one has gone). Duplicates are sent again through a raw socket with a mark the queue
// rule skips. The stage adds its iptables rules only once it is bound to the queue, and
// removes them on SIGTERM/SIGINT/SIGHUP or any failure; clearImpairment also removes them
// should the stage ever be killed outright.
//
//   node stage.js --sockets-impair-stage --iface lan0 --spec '{"loss":0.2}' --seed 7
// reports "READY <queue>" or "ERROR <message>" as one line on stdout, and never writes there
// again (the starter closes its end and returns; sudo passes no other descriptor on).
import { execFileSync } from "node:child_process";
import { readFileSync, writeSync } from "node:fs";
import * as libc from "@sockets-typescript/socket/dist/src/libc";
// The values the socket package checks against CPython; the rest below are Linux-only names it lacks.
import { AF_INET, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_RAW, SOL_SOCKET, SO_RCVBUF } from "@sockets-typescript/socket/dist/src/constants";
import type { Impairment } from "./args";
import { fateOf, packetKey, OccurrenceCounter } from "./fate";
import {
  AF_NETLINK, NETLINK_NETFILTER, NFQNL_CFG_CMD_BIND, NF_ACCEPT, NF_DROP,
  SO_RCVBUFFORCE, SO_RCVTIMEO, SO_MARK, IPPROTO_RAW, EAGAIN, EINTR, ENOBUFS,
  configCommand, configParams, parseMessages, verdict,
} from "./nfqueue";
import { STAGE_MARK, STAGE_MARKER, queueNumber, ruleArgs, type Hook } from "./rules";

/** How many packets may wait for a verdict in the kernel (netem's default limit is 1000). */
const QUEUE_MAXLEN = 10_000;

interface Held {
  at: number;
  id: number;
  hook: number;
  payload: Buffer;
  duplicate: boolean;
  reorder: boolean;
  /** For a reordered packet: the latest moment it waits for a successor. */
  deadline: number;
}

function option(argv: string[], name: string): string {
  const i = argv.indexOf(name);
  if (i < 0 || argv[i + 1] === undefined) throw new Error(`stage: missing ${name}`);
  return argv[i + 1];
}

function sysError(call: string): Error {
  const e = libc.errno();
  return new Error(`${call}: ${libc.strerror(e)} (errno ${e})`);
}

function setIntOption(fd: number, level: number, name: number, value: number): number {
  const v = Buffer.alloc(4);
  v.writeInt32LE(value, 0);
  return libc.setsockopt(fd, level, name, v, 4);
}

function ifindexOf(iface: string): number {
  try {
    return Number(readFileSync(`/sys/class/net/${iface}/ifindex`, "utf8").trim());
  } catch {
    throw new Error(`no interface ${iface} on this host`);
  }
}


function main(argv: string[]): void {
  const iface = option(argv, "--iface");
  const spec = JSON.parse(option(argv, "--spec")) as Impairment;
  const seed = Number(option(argv, "--seed"));
  const queue = queueNumber(ifindexOf(iface));
  const hooks: Hook[] = spec.direction === "both" ? ["egress", "ingress"] : ["egress"];
  const added: Hook[] = [];
  let nl = -1;
  let raw = -1;
  let poll: libc.PollHandle | null = null;
  let timer: NodeJS.Timeout | undefined;
  const held: Held[] = [];
  const waitingForSuccessor: Held[] = [];
  let stopping = false;

  const iptables = (args: string[]) => execFileSync("iptables", ["-w", ...args], { stdio: ["ignore", "ignore", "pipe"] });

  /** Undo everything, in the order that loses no packet: rules first, then held packets go on. */
  const cleanup = () => {
    if (stopping) return;
    stopping = true;
    for (const hook of added.splice(0).reverse()) {
      try {
        iptables(ruleArgs("-D", hook, iface, queue));
      } catch {
        // already gone (clearImpairment may have removed it)
      }
    }
    if (timer !== undefined) clearTimeout(timer);
    if (nl >= 0) {
      for (const h of [...held.splice(0), ...waitingForSuccessor.splice(0)]) sendVerdict(h.id, NF_ACCEPT);
    }
    poll?.close();
    poll = null;
    if (nl >= 0) libc.close(nl);
    if (raw >= 0) libc.close(raw);
    nl = raw = -1;
  };
  const stop = (code: number) => () => {
    cleanup();
    process.exit(code);
  };
  process.on("exit", cleanup);
  process.on("SIGTERM", stop(0));
  process.on("SIGINT", stop(0));
  process.on("SIGHUP", stop(0));

  const sendVerdict = (id: number, decision: number) => {
    const msg = verdict(queue, id, decision);
    libc.send(nl, msg, msg.length, 0);
  };

  const duplicateOf = (h: Held) => {
    // The copy goes out through a raw socket (the kernel routes it: out of the interface for a
    // packet leaving, over loopback to ourselves for one arriving); its mark keeps it out of the queue.
    const dst = Buffer.alloc(16);
    dst.writeUInt16LE(AF_INET, 0);
    h.payload.copy(dst, 4, 16, 20);
    libc.sendto(raw, h.payload, h.payload.length, 0x40 /* MSG_DONTWAIT */, dst, 16);
  };

  const release = (h: Held) => {
    sendVerdict(h.id, NF_ACCEPT);
    if (h.duplicate) duplicateOf(h);
  };

  const releaseWithSuccessor = (h: Held) => {
    release(h);
    // Packets held back for reordering go right after the packet that overtook them.
    for (const w of waitingForSuccessor.splice(0)) release(w);
  };

  const tick = () => {
    timer = undefined;
    const now = performance.now();
    while (held.length > 0 && held[0].at <= now) {
      const h = held.shift()!;
      if (h.reorder) waitingForSuccessor.push(h);
      else releaseWithSuccessor(h);
    }
    for (let i = waitingForSuccessor.length - 1; i >= 0; i--) {
      if (waitingForSuccessor[i].deadline <= now) release(waitingForSuccessor.splice(i, 1)[0]);
    }
    arm();
  };

  const arm = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    let next = held.length > 0 ? held[0].at : Infinity;
    for (const w of waitingForSuccessor) next = Math.min(next, w.deadline);
    if (next !== Infinity) timer = setTimeout(tick, Math.max(0, next - performance.now()));
  };

  const counter = new OccurrenceCounter();
  /** A reordered packet waits at most this long for a successor, then goes anyway. */
  const holdMax = Math.max(20, (spec.delayMs ?? 0) + (spec.jitterMs ?? 0));

  const onPacket = (id: number, hook: number, payload: Buffer) => {
    const key = packetKey(payload);
    const fate = fateOf(spec, seed, key, counter.next(key));
    if (fate.drop) {
      sendVerdict(id, NF_DROP);
      return;
    }
    const now = performance.now();
    const h: Held = { at: now + fate.delayMs, id, hook, payload, duplicate: fate.duplicate, reorder: fate.reorder, deadline: now + fate.delayMs + holdMax };
    if (fate.delayMs <= 0 && !fate.reorder && held.length === 0) {
      releaseWithSuccessor(h);
      if (waitingForSuccessor.length === 0) return;
      arm();
      return;
    }
    // Kept sorted by release time; with a constant delay every packet simply goes to the end.
    let i = held.length;
    while (i > 0 && held[i - 1].at > h.at) i--;
    held.splice(i, 0, h);
    if (i === 0 || timer === undefined) arm();
  };

  const buf = Buffer.alloc(256 * 1024);
  const drain = () => {
    for (let i = 0; i < 1000 && nl >= 0; i++) {
      const n = libc.recv(nl, buf, buf.length, 0);
      if (n < 0) {
        const e = libc.errno();
        if (e === EAGAIN) return;
        if (e === EINTR || e === ENOBUFS) continue; // ENOBUFS: the kernel dropped what it could not queue to us
        throw new Error(`recv on the queue: ${libc.strerror(e)}`);
      }
      for (const m of parseMessages(buf.subarray(0, n))) {
        if (m.kind === "packet" && m.id >= 0) onPacket(m.id, m.hook, m.payload);
      }
    }
  };

  try {
    nl = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    if (nl < 0) throw sysError("socket(AF_NETLINK, NETLINK_NETFILTER)");
    const addr = Buffer.alloc(12);
    addr.writeUInt16LE(AF_NETLINK, 0);
    if (libc.bind(nl, addr, 12) < 0) throw sysError("bind(netlink)");
    if (setIntOption(nl, SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20) < 0) setIntOption(nl, SOL_SOCKET, SO_RCVBUF, 8 << 20);
    const tv = Buffer.alloc(16);
    tv.writeBigInt64LE(2n, 0); // 2 s: a kernel that never answers is an error, not a hang
    libc.setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
    const request = (msg: Buffer, seq: number, what: string) => {
      if (libc.send(nl, msg, msg.length, 0) < 0) throw sysError(what);
      const n = libc.recv(nl, buf, buf.length, 0);
      if (n < 0) throw new Error(`${what}: no answer from the kernel's nfnetlink_queue (${libc.strerror(libc.errno())})`);
      const ack = parseMessages(buf.subarray(0, n)).find((m) => m.kind === "ack" && m.seq === seq);
      if (ack && ack.kind === "ack" && ack.error !== 0) throw new Error(`${what}: ${libc.strerror(-ack.error)} (errno ${-ack.error})`);
    };
    request(configCommand(queue, NFQNL_CFG_CMD_BIND, 1), 1, `binding NFQUEUE ${queue}`);
    request(configParams(queue, 0xffff, QUEUE_MAXLEN, 2), 2, `configuring NFQUEUE ${queue}`);
    libc.fcntl(nl, 4 /* F_SETFL */, libc.fcntl(nl, 3 /* F_GETFL */) | SOCK_NONBLOCK);

    raw = libc.socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
    if (raw < 0) throw sysError("socket(AF_INET, SOCK_RAW)");
    if (setIntOption(raw, SOL_SOCKET, SO_MARK, STAGE_MARK) < 0) throw sysError("setsockopt(SO_MARK)");

    if (argv.includes("--probe")) {
      // support(): the queue can be bound and a raw socket marked, in a throwaway namespace.
      cleanup();
      writeSync(1, "OK\n");
      process.exit(0);
    }

    poll = libc.pollHandle(nl, { readable: true, writable: false }, () => {
      try {
        drain();
      } catch (err) {
        process.stderr.write(`impair stage: ${(err as Error).message}\n`);
        stop(1)();
      }
    });

    for (const hook of hooks) {
      try {
        iptables(ruleArgs("-A", hook, iface, queue));
      } catch (err) {
        const stderr = String((err as { stderr?: Buffer }).stderr ?? "").trim();
        throw new Error(`iptables ${ruleArgs("-A", hook, iface, queue).join(" ")} failed: ${stderr || (err as Error).message}`);
      }
      added.push(hook);
    }
  } catch (err) {
    cleanup();
    try {
      writeSync(1, `ERROR ${(err as Error).message}\n`);
    } catch {
      // the starter is gone
    }
    process.exit(1);
  }
  try {
    writeSync(1, `READY ${queue}\n`);
  } catch {
    // The starter vanished before hearing READY (killed): nobody knows we are here, so undo.
    stop(1)();
  }
}

if (require.main === module) {
  process.on("uncaughtException", (err) => {
    process.stderr.write(`impair stage: ${err.message}\n`);
    process.exit(1);
  });
  main(process.argv.slice(2));
}
