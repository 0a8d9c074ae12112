// At least 10,000 random calls with random arguments: only the module's error classes may
// come out (each with its one-line stack), and the process must live on.
//
// Network safety: every address the fuzzer can send to is loopback and unused by anyone else
// (127.0.0.199, or this test's own sockets); host names are only ones the C library rejects
// before asking DNS ("no such host" has a space, "a..b" an empty label). No raw, packet or
// multicast options: nothing can leave the machine. Random ports are bound only on 127.0.0.199.
// Seed: FUZZ_SEED=<n> reproduces a run (the seed is printed as a diagnostic).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { test } from "node:test";
import * as socket from "../src/index";

const CALLS = 12000;
const PENDING_LIMIT_MS = 15;
const FUZZ_HOST = "127.0.0.199";

/**
 * A seeded stream of numbers in [0, 1): SHA-256 of "seed:block", eight 32-bit words a block.
 * Deterministic for a seed (FUZZ_SEED replays a run) without a generator of our own to get wrong.
 */
function seeded(seed: number): () => number {
  let block = 0;
  let digest = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at === digest.length) {
      digest = createHash("sha256").update(`${seed}:${block++}`).digest();
      at = 0;
    }
    const word = digest.readUInt32LE(at);
    at += 4;
    return word / 2 ** 32;
  };
}

test(`${CALLS} random calls raise only the module's errors and the process lives`, async (t) => {
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed}`);
  const rand = seeded(seed);
  const chance = (p: number): boolean => rand() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

  const pool: socket.Socket[] = [];
  const outcomes = new Map<string, number>();
  const count = (key: string): void => void outcomes.set(key, (outcomes.get(key) ?? 0) + 1);

  const garbage = (): unknown =>
    pick<() => unknown>([
      () => undefined, () => null, () => true, () => -1, () => 0, () => 2 ** 31, () => 2 ** 53, () => NaN,
      () => Infinity, () => -Infinity, () => 1.5, () => "", () => "x", () => FUZZ_HOST, () => [], () => [1],
      () => ({}), () => () => 0, () => Symbol("s"), () => 10n, () => 2n ** 70n, () => new Uint8Array(3),
      () => new ArrayBuffer(2), () => new Float64Array(2), () => new Date(0), () => [FUZZ_HOST, 1, 2, 3, 4],
    ])();
  const orGarbage = <T>(make: () => T, p = 0.15): unknown => (chance(p) ? garbage() : make());

  // Only names glibc refuses without a DNS query (checked with strace): a space, an empty
  // label, a leading hyphen, '!' -- never a well-formed name such as "1.2.3.4.5", which DNS would be asked about.
  const badHosts = ["no such host", "a..b", "-x", "bad_name!", "256.1.1.1 x", "x\u0000y"];
  const port = (): unknown => pick<unknown>([0, 0, int(1024, 65535), -1, 65536, 70000, 2 ** 31, 1.5, "80"]);
  const ownAddress = (): unknown => {
    const bound = pool.filter((s) => s.fileno() >= 0);
    if (bound.length === 0) return [FUZZ_HOST, 0];
    try {
      return pick(bound).getsockname();
    } catch (err) {
      return [FUZZ_HOST, 0];
    }
  };
  // Where data may go: only 127.0.0.199 and the fuzzer's own sockets.
  const destination = (): unknown =>
    pick<() => unknown>([
      ownAddress, ownAddress,
      () => [FUZZ_HOST, port()],
      () => [pick(badHosts), port()],
      () => ["::1", 0, int(-1, 2 ** 20 + 1), pick([0, 1, -1, 2 ** 32])],
      () => [`::ffff:${FUZZ_HOST}`, port()],
      garbage,
      () => [pick(badHosts)],
      () => [port(), FUZZ_HOST],
    ])();
  // Where a socket may bind: random ports only on 127.0.0.199, elsewhere port 0.
  const bindAddress = (): unknown =>
    pick<() => unknown>([
      () => [FUZZ_HOST, port()],
      () => [pick(["", "::", "::1", "<broadcast>", "fe80::1%lo", ...badHosts]), 0],
      () => ["::1", 0, int(0, 10), int(0, 3)],
      garbage,
    ])();
  const data = (): unknown =>
    orGarbage(() => new Uint8Array(pick([0, 1, 5, 100, 1500, 65507, 65508, 70000, 200000])).fill(int(0, 255)), 0.2);
  const bufsize = (): unknown => pick<unknown>([0, 1, 10, 1024, 65536, 2 ** 20, 2 ** 31 - 1, 2 ** 31, -1, 1.5, "10", null, undefined, NaN]);
  const flags = (): unknown =>
    pick<unknown>([0, 0, 0, undefined, socket.MSG_PEEK, socket.MSG_DONTWAIT, socket.MSG_TRUNC, socket.MSG_WAITALL, socket.MSG_OOB, -1, 2 ** 31, "0", 1.5]);
  const level = (): unknown => pick<unknown>([socket.SOL_SOCKET, socket.IPPROTO_TCP, socket.IPPROTO_IP, socket.IPPROTO_IPV6, 12345, -1, "1"]);
  // Options that change nothing outside the socket (no linger, multicast, device binding, repair mode).
  const safeOption = (): unknown =>
    pick<unknown>([socket.SO_REUSEADDR, socket.SO_REUSEPORT, socket.SO_BROADCAST, socket.SO_RCVBUF, socket.SO_SNDBUF,
      socket.SO_KEEPALIVE, socket.SO_TYPE, socket.SO_ERROR, socket.TCP_NODELAY, 9999, -1, 2 ** 31]);
  const timeout = (): unknown => pick<unknown>([null, 0, 0, 0, 0.001, 0.005, -1, NaN, Infinity, "1", undefined, 1e9]);

  const makeSocket = (): unknown => {
    const family = pick<unknown>([socket.AF_INET, socket.AF_INET, socket.AF_INET6, socket.AF_UNIX, 99, -1, "2", null]);
    const type = pick<unknown>([socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK, socket.SOCK_STREAM | socket.SOCK_CLOEXEC, 0, 4, 5, 99, -1, 2 ** 31, "1"]);
    const proto = pick<unknown>([0, 0, 0, socket.IPPROTO_TCP, socket.IPPROTO_UDP, 1, 136, 255, -1, 2 ** 31, "6"]);
    const sock = (socket.socket as (...args: unknown[]) => socket.Socket)(family, type, proto);
    if (pool.length >= 16) pool.shift()?.close();
    pool.push(sock);
    sock.settimeout(pick([0, 0, 0.002, null]));
    return sock;
  };

  type Op = () => unknown;
  const onSocket = (fn: (s: any) => unknown): Op => () => {
    if (pool.length === 0) return makeSocket();
    return fn(pick(pool));
  };
  const ops: Op[] = [
    makeSocket, makeSocket,
    onSocket((s) => s.bind(bindAddress())),
    onSocket((s) => s.listen(pick([undefined, 0, 1, 128, -5, 2 ** 31, "1"]))),
    onSocket((s) => s.accept()),
    onSocket((s) => s.connect(destination())),
    onSocket((s) => s.connect_ex(destination())),
    onSocket((s) => s.send(data(), flags())),
    onSocket((s) => s.sendall(data(), flags())),
    onSocket((s) => (chance(0.5) ? s.sendto(data(), destination()) : s.sendto(data(), flags(), destination()))),
    onSocket((s) => s.sendto(data())),
    onSocket((s) => s.recv(bufsize(), flags())),
    onSocket((s) => s.recvfrom(bufsize(), flags())),
    onSocket((s) => s.recv_into(orGarbage(() => new Uint8Array(int(0, 2000))), pick<unknown>([0, 1, 100, -1, 5000, undefined, "1"]), flags())),
    onSocket((s) => s.recvfrom_into(orGarbage(() => Buffer.alloc(int(0, 2000))), pick<unknown>([0, 10, -1, undefined]), flags())),
    onSocket((s) => s.shutdown(pick<unknown>([0, 1, 2, 3, -1, "2", null]))),
    onSocket((s) => (chance(0.8) ? s.close() : s.fileno())),
    onSocket((s) => s.getsockname()),
    onSocket((s) => s.getpeername()),
    onSocket((s) => s.setsockopt(level(), safeOption(), orGarbage(() => (chance(0.7) ? int(-2, 70000) : new Uint8Array(int(0, 8))), 0.2))),
    onSocket((s) => (chance(0.5) ? s.getsockopt(level(), int(-1, 70)) : s.getsockopt(level(), int(-1, 70), pick<unknown>([1, 4, 16, 1024, 0, 1025, -1, "4"])))),
    onSocket((s) => s.settimeout(timeout())),
    onSocket((s) => s.gettimeout()),
    onSocket((s) => s.setblocking(pick<unknown>([true, false, 0, 1, null]))),
    onSocket((s) => inspect(s) + String(s)),
    () => socket.getaddrinfo(pick<any>([null, FUZZ_HOST, "::1", "", ...badHosts, 5]), pick<any>([null, 0, 80, 65536, -1, "80", "domain", "nosuchservice", "x\u0000", 1.5, {}]),
      pick<any>([0, socket.AF_INET, socket.AF_INET6, 99, -1]), pick<any>([0, socket.SOCK_STREAM, socket.SOCK_DGRAM, 99]), pick<any>([0, 6, 17, 99]),
      pick<any>([0, socket.AI_NUMERICHOST, socket.AI_PASSIVE, socket.AI_NUMERICSERV, 0x7fffffff, -1])),
    () => socket.gethostbyname(pick<any>([FUZZ_HOST, "", "::1", ...badHosts, 5, null])),
    () => {
      const text = Array.from({ length: int(0, 6) }, () => String.fromCharCode(pick([int(0, 0x7f), int(0x80, 0xff), int(0x100, 0xffff)]))).join("");
      const bytes = socket.b([text] as unknown as TemplateStringsArray);
      return bytes.decode(pick<any>(["utf-8", "ascii", "latin-1", "rot13"]));
    },
  ];

  const isModuleError = (err: unknown): boolean =>
    (err instanceof socket.OSError || err instanceof socket.ValueError || err instanceof socket.OverflowError || err instanceof TypeError) &&
    (err as Error).stack === `${(err as Error).name}: ${(err as Error).message}`;

  const settle = async (promise: Promise<unknown>): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"pending">((resolve) => (timer = setTimeout(() => resolve("pending"), PENDING_LIMIT_MS)));
    const first = await Promise.race([promise.then(() => "ok" as const, (err) => ({ err })), late]);
    clearTimeout(timer);
    if (first === "pending") {
      // A call still waiting: closing the sockets must end it with EBADF.
      count("pending->closed");
      for (const s of pool) s.close();
      pool.length = 0;
      await promise.then(
        () => count("resolved after close"),
        (err) => {
          assert.ok(isModuleError(err), `pending call ended with a foreign error: ${inspect(err)}`);
          count(`async ${(err as Error).name}`);
        },
      );
      return;
    }
    if (first === "ok") count("async ok");
    else {
      assert.ok(isModuleError(first.err), `async call raised a foreign error: ${inspect(first.err)} (${(first.err as Error)?.stack})`);
      count(`async ${(first.err as Error).name}`);
    }
  };

  for (let i = 0; i < CALLS; i++) {
    const op = pick(ops);
    let result: unknown;
    try {
      result = op();
    } catch (err) {
      assert.ok(isModuleError(err), `call #${i} raised a foreign error: ${inspect(err)} (${(err as Error)?.stack})`);
      count(`sync ${(err as Error).name}`);
      continue;
    }
    if (result instanceof Promise) {
      await settle(result);
    } else {
      count("sync ok");
    }
  }
  for (const s of pool) s.close();

  const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
  assert.ok(total >= CALLS, `${total} calls made`);
  // The fuzzer must reach real work, not only argument checks.
  assert.ok((outcomes.get("sync ok") ?? 0) > 1000);
  assert.ok((outcomes.get("async ok") ?? 0) > 100);
  assert.ok((outcomes.get("sync OSError") ?? 0) + (outcomes.get("async OSError") ?? 0) > 100);
});
