// Each call of the Socket object on loopback: results, Python's errors, timeouts, close()
// during a pending call, and descriptors released by close() and by garbage collection.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { after, describe, test } from "node:test";
import * as socket from "../src/index";

const HOST = "127.0.0.101";
const opened: socket.Socket[] = [];
function open(family = socket.AF_INET, type = socket.SOCK_STREAM): socket.Socket {
  const sock = socket.socket(family, type);
  opened.push(sock);
  return sock;
}
after(() => opened.forEach((sock) => sock.close()));

function udpPair(): [socket.Socket, socket.Socket] {
  const a = open(socket.AF_INET, socket.SOCK_DGRAM);
  const b = open(socket.AF_INET, socket.SOCK_DGRAM);
  a.bind([HOST, 0]);
  b.bind([HOST, 0]);
  return [a, b];
}

async function tcpPair(): Promise<[socket.Socket, socket.Socket]> {
  const listener = open();
  listener.bind([HOST, 0]);
  listener.listen();
  const client = open();
  await client.connect(listener.getsockname());
  const [server] = await listener.accept();
  opened.push(server);
  listener.close();
  return [client, server];
}

function isError(cls: Function, message: string | RegExp) {
  return (err: unknown): true => {
    assert.equal((err as Error).constructor, cls, `got ${String(err)}`);
    if (typeof message === "string") assert.equal((err as Error).message, message);
    else assert.match((err as Error).message, message);
    return true;
  };
}

describe("creating sockets", () => {
  test("socket() defaults to an IPv4 stream socket", () => {
    const sock = open();
    assert.equal(sock.family, socket.AF_INET);
    assert.equal(sock.type, socket.SOCK_STREAM);
    assert.equal(sock.proto, 0);
    assert.equal(sock.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE), socket.SOCK_STREAM);
    assert.equal(sock.gettimeout(), null);
  });

  test("a family other than AF_INET/AF_INET6 is a ValueError", () => {
    assert.throws(() => socket.socket(socket.AF_UNIX), isError(socket.ValueError, /family must be AF_INET/));
  });

  test("an unknown socket type is the kernel's error", () => {
    assert.throws(() => socket.socket(socket.AF_INET, 99), (err) => err instanceof socket.OSError && err.errno === socket.errno.EINVAL);
  });

  test("SOCK_NONBLOCK in the type makes a non-blocking socket, as in Python", () => {
    const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK);
    opened.push(sock);
    assert.equal(sock.type, socket.SOCK_DGRAM);
    assert.equal(sock.gettimeout(), 0);
  });
});

describe("bind, listen, names", () => {
  test("getsockname of an unbound socket is ('0.0.0.0', 0)", () => {
    assert.equal(inspect(open().getsockname()), "('0.0.0.0', 0)");
  });

  test("bind to '' means any address", () => {
    const sock = open(socket.AF_INET, socket.SOCK_DGRAM);
    sock.bind(["", 0]);
    assert.equal(sock.getsockname()[0], "0.0.0.0");
  });

  test("bind with a port outside 0-65535 is OverflowError", () => {
    assert.throws(() => open().bind([HOST, 65536]), isError(socket.OverflowError, "bind(): port must be 0-65535."));
    assert.throws(() => open().bind([HOST, -1]), isError(socket.OverflowError, "bind(): port must be 0-65535."));
  });

  test("bind with a wrongly shaped address is TypeError", () => {
    const sock = open();
    assert.throws(() => sock.bind([HOST] as any), isError(TypeError, "AF_INET address must be a pair (host, port)"));
    assert.throws(() => sock.bind("127.0.0.1:80" as any), isError(TypeError, "AF_INET address must be tuple, not str"));
    assert.throws(() => sock.bind([HOST, "80"] as any), isError(TypeError, "'str' object cannot be interpreted as an integer"));
    assert.throws(() => sock.bind([80, 80] as any), isError(TypeError, "str, bytes or bytearray expected, not int"));
  });

  test("bind to an address this host does not have is errno 99", () => {
    // 192.0.2.1 (TEST-NET-1) is never local; bind sends nothing.
    assert.throws(() => open().bind(["192.0.2.1", 0]), isError(socket.OSError, "[Errno 99] Cannot assign requested address"));
  });

  test("bind twice on one socket is EINVAL", () => {
    const sock = open();
    sock.bind([HOST, 0]);
    assert.throws(() => sock.bind([HOST, 0]), isError(socket.OSError, "[Errno 22] Invalid argument"));
  });

  test("listen on a UDP socket is errno 95", () => {
    assert.throws(() => open(socket.AF_INET, socket.SOCK_DGRAM).listen(), isError(socket.OSError, "[Errno 95] Operation not supported"));
  });

  test("getpeername of an unconnected socket is errno 107", () => {
    assert.throws(() => open().getpeername(), isError(socket.OSError, "[Errno 107] Transport endpoint is not connected"));
  });

  test("IPv6 sockets bind to ::1 and name themselves with Python's 4-tuple", () => {
    const sock = open(socket.AF_INET6, socket.SOCK_DGRAM);
    sock.bind(["::1", 0]);
    const [host, port, flowinfo, scope] = sock.getsockname();
    assert.deepEqual([host, flowinfo, scope], ["::1", 0, 0]);
    assert.equal(inspect(sock.getsockname()), `('::1', ${port}, 0, 0)`);
    assert.match(inspect(sock), /family=AF_INET6, type=SOCK_DGRAM/);
  });
});

describe("data transfer", () => {
  test("UDP sendto/recvfrom carries bytes and the sender's address", async () => {
    const [a, b] = udpPair();
    assert.equal(await a.sendto(socket.b`\x00\xff\n'`, b.getsockname()), 4);
    const [data, from] = await b.recvfrom(100);
    assert.deepEqual([...data], [0, 255, 10, 39]);
    assert.equal(inspect(data), `b"\\x00\\xff\\n'"`);
    assert.deepEqual([...from], [...a.getsockname()]);
  });

  test("sendto(data, flags, address) is accepted", async () => {
    const [a, b] = udpPair();
    assert.equal(await a.sendto(socket.b`xy`, 0, b.getsockname()), 2);
    assert.equal(String(await b.recv(10)), "b'xy'");
  });

  test("a datagram longer than bufsize is truncated to bufsize", async () => {
    const [a, b] = udpPair();
    await a.sendto(socket.b`0123456789`, b.getsockname());
    assert.equal(String(await b.recv(4)), "b'0123'");
  });

  test("recv(0) returns empty bytes", async () => {
    const [client] = await tcpPair();
    assert.equal((await client.recv(0)).length, 0);
  });

  test("send on an unconnected UDP socket is errno 89", async () => {
    await assert.rejects(open(socket.AF_INET, socket.SOCK_DGRAM).send(socket.b`x`), isError(socket.OSError, "[Errno 89] Destination address required"));
  });

  test("recv on an unconnected TCP socket is errno 107", async () => {
    await assert.rejects(open().recv(10), isError(socket.OSError, "[Errno 107] Transport endpoint is not connected"));
  });

  test("a str where bytes are required is Python's TypeError", async () => {
    const [a, b] = udpPair();
    await assert.rejects(a.sendto("Hello" as any, b.getsockname()), isError(TypeError, "a bytes-like object is required, not 'str'"));
    await assert.rejects(a.send(42 as any), isError(TypeError, "a bytes-like object is required, not 'int'"));
  });

  test("negative and huge bufsizes are refused before any allocation", async () => {
    const [a] = udpPair();
    await assert.rejects(a.recv(-1), isError(socket.ValueError, "negative buffersize in recv"));
    await assert.rejects(a.recvfrom(2 ** 31), isError(socket.OverflowError, /recvfrom\(\): buffer size 2147483648 is too large/));
    await assert.rejects(a.recv(1.5), isError(TypeError, "'float' object cannot be interpreted as an integer"));
  });

  test("sendall delivers 8 MiB intact over TCP", async () => {
    const [client, server] = await tcpPair();
    const data = new Uint8Array(8 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
    const sending = client.sendall(data);
    const received: Uint8Array[] = [];
    let total = 0;
    while (total < data.length) {
      const chunk = await server.recv(65536);
      received.push(chunk);
      total += chunk.length;
    }
    await sending;
    assert.ok(Buffer.concat(received).equals(Buffer.from(data)));
  });

  test("a big recv returns exactly the bytes received, as Bytes, and shows no other memory", async () => {
    // recv(65536) receives into a buffer of its own: a nearly full one is kept, a short one copied.
    const [a, b] = udpPair();
    for (const size of [40000, 65000, 300]) {
      const data = new Uint8Array(size).map((_, i) => (i * 13 + 1) & 0xff || 1);
      await a.sendto(data, b.getsockname());
      const got = await b.recv(65536);
      assert.ok(got instanceof socket.Bytes);
      assert.equal(got.length, size);
      assert.ok(Buffer.from(got).equals(Buffer.from(data)));
      // Whatever lies behind the view is zero, never memory of something else.
      const whole = new Uint8Array(got.buffer);
      assert.ok(whole.subarray(got.byteOffset + got.length).every((byte) => byte === 0));
      assert.ok(whole.length <= 65536);
      if (size === 300) assert.equal(whole.length, 300, "a short message does not hold a 64 KiB buffer");
    }
  });

  test("recv_into fills the given buffer; recvfrom_into gives the sender too", async () => {
    const [a, b] = udpPair();
    const target = Buffer.alloc(10, 0x2e);
    await a.sendto(socket.b`abc`, b.getsockname());
    assert.equal(await b.recv_into(target.subarray(2), 5), 3);
    assert.equal(target.toString(), "..abc.....");
    await a.sendto(socket.b`de`, b.getsockname());
    const [n, from] = await b.recvfrom_into(target);
    assert.equal(n, 2);
    assert.deepEqual([...from], [...a.getsockname()]);
    await assert.rejects(b.recv_into(Buffer.alloc(2), 3), isError(socket.ValueError, "buffer too small for requested bytes"));
    await assert.rejects(b.recv_into(Buffer.alloc(2), -1), isError(socket.ValueError, "negative buffersize in recv_into"));
  });

  test("MSG_PEEK leaves the data for the next recv", async () => {
    const [a, b] = udpPair();
    await a.sendto(socket.b`peek`, b.getsockname());
    assert.equal(String(await b.recv(10, socket.MSG_PEEK)), "b'peek'");
    assert.equal(String(await b.recv(10)), "b'peek'");
  });

  test("shutdown(SHUT_WR) gives the peer end of stream; sending afterwards is EPIPE", async () => {
    const [client, server] = await tcpPair();
    client.shutdown(socket.SHUT_WR);
    assert.equal((await server.recv(10)).length, 0);
    await assert.rejects(client.send(socket.b`x`), isError(socket.BrokenPipeError, "[Errno 32] Broken pipe"));
  });

  test("connect_ex returns the errno instead of raising", async () => {
    const probe = open();
    probe.bind([HOST, 0]);
    assert.equal(await open().connect_ex(probe.getsockname()), 111);
  });
});

describe("socket options", () => {
  test("setsockopt/getsockopt integer options", () => {
    const sock = open();
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);
    assert.equal(sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR), 1);
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, true);
    assert.equal(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 1);
  });

  test("getsockopt with buflen returns raw bytes; a bad buflen is OSError", () => {
    const sock = open();
    const raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE, 4);
    assert.deepEqual([...raw], [1, 0, 0, 0]);
    assert.throws(() => sock.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE, 0), isError(socket.OSError, "getsockopt buflen out of range"));
  });

  test("an unknown option is errno 92", () => {
    assert.throws(() => open().setsockopt(socket.SOL_SOCKET, 9999, 1), isError(socket.OSError, "[Errno 92] Protocol not available"));
  });

  test("SO_REUSEPORT on both lets two TCP sockets bind the same address", () => {
    const a = open();
    a.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1);
    a.bind([HOST, 0]);
    const b = open();
    b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1);
    b.bind(a.getsockname());
    assert.deepEqual([...b.getsockname()], [...a.getsockname()]);
  });
});

describe("timeouts", () => {
  test("settimeout(0.2) ends a recv with TimeoutError('timed out')", async () => {
    const [a] = udpPair();
    a.settimeout(0.2);
    assert.equal(a.gettimeout(), 0.2);
    const started = performance.now();
    await assert.rejects(a.recv(10), (err) => {
      assert.ok(err instanceof socket.TimeoutError && err instanceof socket.OSError);
      assert.equal((err as socket.OSError).errno, undefined);
      assert.equal((err as Error).stack, "TimeoutError: timed out");
      return true;
    });
    assert.ok(performance.now() - started >= 190);
  });

  test("settimeout(0) / setblocking(false) raise BlockingIOError errno 11 instead of waiting", async () => {
    const [a] = udpPair();
    a.setblocking(false);
    assert.equal(a.gettimeout(), 0);
    assert.equal(a.getblocking(), false);
    await assert.rejects(a.recvfrom(10), isError(socket.BlockingIOError, "[Errno 11] Resource temporarily unavailable"));
    a.setblocking(true);
    assert.equal(a.gettimeout(), null);
  });

  test("MSG_DONTWAIT never waits", async () => {
    const [a] = udpPair();
    await assert.rejects(a.recv(10, socket.MSG_DONTWAIT), isError(socket.BlockingIOError, "[Errno 11] Resource temporarily unavailable"));
  });

  test("a timed-out recv consumed nothing: the next recv gets the datagram", async () => {
    const [a, b] = udpPair();
    b.settimeout(0.05);
    await assert.rejects(b.recv(10), socket.TimeoutError);
    await a.sendto(socket.b`later`, b.getsockname());
    assert.equal(String(await b.recv(10)), "b'later'");
  });

  test("invalid timeouts are Python's errors", () => {
    const sock = open();
    assert.throws(() => sock.settimeout(-1), isError(socket.ValueError, "Timeout value out of range"));
    assert.throws(() => sock.settimeout(NaN), isError(socket.ValueError, "Invalid value NaN (not a number)"));
    assert.throws(() => sock.settimeout("1" as any), isError(TypeError, "'str' object cannot be interpreted as an integer"));
  });

  test("setdefaulttimeout applies to new sockets", () => {
    socket.setdefaulttimeout(3);
    try {
      assert.equal(open().gettimeout(), 3);
    } finally {
      socket.setdefaulttimeout(null);
    }
    assert.equal(socket.getdefaulttimeout(), null);
  });
});

describe("close", () => {
  test("close() during a pending recvfrom ends it with errno 9", async () => {
    const [a] = udpPair();
    const pending = a.recvfrom(10);
    setTimeout(() => a.close(), 20);
    await assert.rejects(pending, isError(socket.OSError, "[Errno 9] Bad file descriptor"));
  });

  test("close() during a pending accept ends it with errno 9", async () => {
    const listener = open();
    listener.bind([HOST, 0]);
    listener.listen();
    const pending = listener.accept();
    setTimeout(() => listener.close(), 20);
    await assert.rejects(pending, isError(socket.OSError, "[Errno 9] Bad file descriptor"));
  });

  test("calls on a closed socket are errno 9; closing twice is a no-op", async () => {
    const sock = open(socket.AF_INET, socket.SOCK_DGRAM);
    sock.close();
    sock.close();
    assert.equal(sock.fileno(), -1);
    assert.throws(() => sock.bind([HOST, 0]), isError(socket.OSError, "[Errno 9] Bad file descriptor"));
    assert.throws(() => sock.getsockname(), isError(socket.OSError, "[Errno 9] Bad file descriptor"));
    await assert.rejects(sock.recv(1), isError(socket.OSError, "[Errno 9] Bad file descriptor"));
    await assert.rejects(sock.sendto(socket.b`x`, [HOST, 9]), isError(socket.OSError, "[Errno 9] Bad file descriptor"));
  });

  test("close() releases the descriptor", () => {
    const sock = socket.socket();
    const fd = sock.fileno();
    assert.ok(readdirSync("/proc/self/fd").includes(String(fd)));
    sock.close();
    assert.ok(!readdirSync("/proc/self/fd").includes(String(fd)) || socket.socket().fileno() === fd);
  });

  test("a garbage-collected socket does not keep its descriptor", () => {
    const moduleIndex = join(__dirname, "..", "src", "index.js");
    const script = `
const socket = require(${JSON.stringify(moduleIndex)});
const { readdirSync } = require("node:fs");
const count = () => readdirSync("/proc/self/fd").length;
const before = count();
(() => { for (let i = 0; i < 200; i++) socket.socket(socket.AF_INET, i % 2 ? socket.SOCK_DGRAM : socket.SOCK_STREAM); })();
const held = count();
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (let i = 0; i < 20 && count() > before + 5; i++) { global.gc(); await wait(20); }
  console.log(JSON.stringify({ before, held, after: count() }));
})();`;
    const run = spawnSync(process.execPath, ["--expose-gc", "-e", script], { encoding: "utf8", timeout: 20000 });
    assert.equal(run.status, 0, run.stderr);
    const { before, held, after } = JSON.parse(run.stdout);
    assert.ok(held >= before + 200, `200 sockets open: ${before} -> ${held}`);
    assert.ok(after <= before + 5, `after GC: ${after} descriptors, ${before} before`);
  });
});

describe("repr", () => {
  test("a connected socket shows laddr and raddr; String() gives the same text", async () => {
    const [client, server] = await tcpPair();
    const [lhost, lport] = client.getsockname();
    const [rhost, rport] = client.getpeername();
    const expected = `<socket.socket fd=${client.fileno()}, family=AF_INET, type=SOCK_STREAM, proto=0, laddr=('${lhost}', ${lport}), raddr=('${rhost}', ${rport})>`;
    assert.equal(inspect(client), expected);
    assert.equal(String(client), expected);
    assert.equal(rport, server.getsockname()[1]);
  });
});
