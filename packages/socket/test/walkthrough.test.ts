// The walkthrough's UDP steps U1-U9 and TCP steps T1-T14 on loopback, with the exact outcomes.
// 127.0.0.101 stands for juliet and 127.0.0.100 for romeo (Linux routes all of 127.0.0.0/8 to lo).
// Ports are picked by the OS (bind to port 0), so tests running at the same time never collide;
// romeo's sockets bind to (127.0.0.100, 0) so that its address shows as on the testbed: port 0
// still lets the OS pick the ephemeral port, which is what steps U6 and T6 show.
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { after, describe, test } from "node:test";
import * as socket from "../src/index";

const JULIET = "127.0.0.101";
const ROMEO = "127.0.0.100";
const opened: socket.Socket[] = [];
function track(sock: socket.Socket): socket.Socket {
  opened.push(sock);
  return sock;
}
after(() => opened.forEach((sock) => sock.close()));

function assertOSError(err: unknown, cls: Function, errno: number, message: string): true {
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
  assert.equal((err as Error).constructor, cls);
  assert.equal((err as socket.OSError).errno, errno);
  assert.equal((err as Error).message, message);
  assert.equal((err as Error).stack, `${cls.name}: ${message}`);
  return true;
}

describe("UDP walkthrough U1-U9", () => {
  let juliet: socket.Socket;
  let juliet2: socket.Socket;
  let romeo: socket.Socket;
  let port: number;
  let romeoAddr: socket.Address;

  test("U1: a datagram socket prints its fd, family and type", () => {
    juliet = track(socket.socket(socket.AF_INET, socket.SOCK_DGRAM));
    assert.equal(
      inspect(juliet),
      `<socket.socket fd=${juliet.fileno()}, family=AF_INET, type=SOCK_DGRAM, proto=0, laddr=('0.0.0.0', 0)>`,
    );
    assert.ok(juliet.fileno() >= 0);
  });

  test("U2: bind succeeds and the socket has that local address", () => {
    juliet.bind([JULIET, 0]);
    const [host, boundPort] = juliet.getsockname();
    port = boundPort;
    assert.equal(host, JULIET);
    assert.ok(port > 0);
    assert.match(inspect(juliet), new RegExp(`laddr=\\('${JULIET}', ${port}\\)>$`));
  });

  test("U3: a second UDP socket bound to the same address gets errno 98", () => {
    juliet2 = track(socket.socket(socket.AF_INET, socket.SOCK_DGRAM));
    assert.throws(() => juliet2.bind([JULIET, port]), (err) => assertOSError(err, socket.OSError, 98, "[Errno 98] Address already in use"));
  });

  test("U4: the second socket binds to another port", () => {
    juliet2.bind([JULIET, 0]);
    assert.notEqual(juliet2.getsockname()[1], port);
  });

  test("U5: sending Hello to a port where nothing listens returns 5", async () => {
    // romeo's port 5000 on the testbed: here a port that was just free and is closed again.
    const probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    probe.bind([ROMEO, 0]);
    const nobody = probe.getsockname();
    probe.close();
    assert.equal(await juliet.sendto(socket.b`Hello`, nobody), 5);
  });

  test("U6: romeo's socket sends Hello (5 bytes) from an OS-picked port", async () => {
    romeo = track(socket.socket(socket.AF_INET, socket.SOCK_DGRAM));
    romeo.bind([ROMEO, 0]);
    assert.equal(await romeo.sendto(socket.b`Hello`, [JULIET, port]), 5);
    romeoAddr = romeo.getsockname();
    assert.ok(romeoAddr[1] > 0);
  });

  test("U7: juliet receives b'Hello' and romeo's address", async () => {
    const [data, addr] = await juliet.recvfrom(1024);
    assert.ok(data instanceof socket.Bytes);
    assert.equal(inspect(data), "b'Hello'");
    assert.deepEqual([...addr], [ROMEO, romeoAddr[1]]);
    assert.equal(inspect(addr), `('${ROMEO}', ${romeoAddr[1]})`);
  });

  test("U8: juliet's reply to that address returns 41", async () => {
    assert.equal(await juliet.sendto(socket.b`O Romeo, Romeo, wherefore art thou Romeo?`, romeoAddr), 41);
  });

  test("U9: romeo receives the line from juliet's address", async () => {
    const [data, addr] = await romeo.recvfrom(1024);
    assert.equal(data.decode(), "O Romeo, Romeo, wherefore art thou Romeo?");
    assert.equal(String(data), "b'O Romeo, Romeo, wherefore art thou Romeo?'");
    assert.deepEqual([...addr], [JULIET, port]);
  });

  test("U10: closed sockets give up their descriptors", () => {
    for (const sock of [juliet, juliet2, romeo]) {
      sock.close();
      assert.equal(sock.fileno(), -1);
      assert.match(inspect(sock), /^<socket\.socket \[closed\] fd=-1, family=AF_INET, type=SOCK_DGRAM, proto=0>$/);
    }
  });
});

describe("TCP walkthrough T1-T14", () => {
  let listener: socket.Socket;
  let romeo: socket.Socket;
  let conn: socket.Socket;
  let port: number;

  test("T1: a stream socket prints as SOCK_STREAM", () => {
    listener = track(socket.socket(socket.AF_INET, socket.SOCK_STREAM));
    assert.match(inspect(listener), /family=AF_INET, type=SOCK_STREAM, proto=0/);
  });

  test("T2: bind succeeds", () => {
    listener.bind([JULIET, 0]);
    port = listener.getsockname()[1];
    assert.ok(port > 0);
  });

  test("T3: a second TCP socket bound to the same address gets errno 98", () => {
    const second = track(socket.socket(socket.AF_INET, socket.SOCK_STREAM));
    assert.throws(() => second.bind([JULIET, port]), (err) => assertOSError(err, socket.OSError, 98, "[Errno 98] Address already in use"));
    second.close();
  });

  test("T4: connecting to a bound but not listening socket is refused (errno 111)", async () => {
    const early = track(socket.socket(socket.AF_INET, socket.SOCK_STREAM));
    early.bind([ROMEO, 0]);
    await assert.rejects(early.connect([JULIET, port]), (err) =>
      assertOSError(err, socket.ConnectionRefusedError, 111, "[Errno 111] Connection refused"));
    early.close();
  });

  test("T5: listen succeeds (SO_ACCEPTCONN is set)", () => {
    listener.listen();
    assert.equal(listener.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN), 1);
  });

  test("T6: connect succeeds before juliet accepts", async () => {
    romeo = track(socket.socket(socket.AF_INET, socket.SOCK_STREAM));
    romeo.bind([ROMEO, 0]);
    await romeo.connect([JULIET, port]);
    assert.deepEqual([...romeo.getpeername()], [JULIET, port]);
  });

  test("T7: accept gives a connected socket and romeo's address; the listener keeps listening", async () => {
    const [sock, addr] = await listener.accept();
    conn = track(sock);
    assert.deepEqual([...addr], [ROMEO, romeo.getsockname()[1]]);
    assert.deepEqual([...conn.getsockname()], [JULIET, port]);
    assert.match(inspect(conn), new RegExp(`raddr=\\('${ROMEO}', ${addr[1]}\\)>$`));
    assert.equal(listener.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN), 1);
  });

  test("T8: romeo sends the 51-byte line", async () => {
    assert.equal(await romeo.send(socket.b`But, soft! what light through yonder window breaks?`), 51);
  });

  test("T9: juliet receives that line", async () => {
    const data = await conn.recv(1024);
    assert.equal(inspect(data), "b'But, soft! what light through yonder window breaks?'");
  });

  test("T10: recv on the listening socket is errno 107", async () => {
    await assert.rejects(listener.recv(1024), (err) =>
      assertOSError(err, socket.OSError, 107, "[Errno 107] Transport endpoint is not connected"));
  });

  test("T11: juliet sends the 82-byte line", async () => {
    const line = socket.b`What's in a name? that which we call a rose by any other name would smell as sweet`;
    assert.equal(await conn.send(line), 82);
  });

  test("T12: romeo receives that line", async () => {
    const data = await romeo.recv(1024);
    assert.equal(data.decode(), "What's in a name? that which we call a rose by any other name would smell as sweet");
    assert.equal(inspect(data), `b"What's in a name? that which we call a rose by any other name would smell as sweet"`);
  });

  test("T13: romeo shuts down both directions; juliet then reads end of stream", async () => {
    romeo.shutdown(socket.SHUT_RDWR);
    assert.equal((await conn.recv(1024)).length, 0);
  });

  test("T14: juliet shuts down the accepted socket and closes the listener", () => {
    conn.shutdown(socket.SHUT_RDWR);
    listener.close();
    assert.equal(listener.fileno(), -1);
    romeo.close();
    conn.close();
  });
});
