// Students mix languages: a Python program written the seed tutorial's way (CPython's socket
// module, /usr/bin/python3, run inside a lab host) and the TypeScript socket module the notebooks
// use (run by node inside the other host) talk to each other over the lab's LAN, in both roles,
// over UDP and over TCP. Real sockets on both ends; nothing shared but the wire. Needs root.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { HostName } from "@sockets-typescript/topology";
import { needsRoot, projectRoot, testLab } from "./support/lab-fixture";

const prefix = "rpy-";
const lab = testLab(prefix);
const PYTHON = "/usr/bin/python3";

before(async () => {
  if (!needsRoot) await lab.up();
});
after(async () => {
  if (!needsRoot) await lab.down();
});

interface Run {
  /** Resolves once the program printed "ready" (a server is listening). */
  ready: Promise<void>;
  done: Promise<{ status: number | null; output: string }>;
}

/** Starts argv inside host; it is killed after 20 s whatever happens. */
function runIn(host: HostName, argv: string[]): Run {
  const [cmd, ...args] = lab.hostArgv(host, argv);
  const child = spawn(cmd, args, { cwd: projectRoot, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let markReady: () => void = () => {};
  let failReady: (err: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
  ready.catch(() => undefined); // a client never says "ready": only a server's ready is awaited
  child.stdout.on("data", (chunk) => {
    output += chunk;
    if (/^ready$/m.test(output)) markReady();
  });
  child.stderr.on("data", (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const done = new Promise<{ status: number | null; output: string }>((resolve) =>
    child.on("exit", (status) => {
      clearTimeout(timer);
      failReady(new Error(`${argv[0]} on ${host} ended before it was ready: ${output}`));
      resolve({ status, output });
    }),
  );
  return { ready, done };
}

const python = (host: HostName, code: string) => runIn(host, [PYTHON, "-u", "-c", code]);
/** A TypeScript-module program (plain JavaScript for node -e; the module is what the notebooks import). */
const typescriptSide = (host: HostName, body: string) =>
  runIn(host, [process.execPath, "-e", `const socket = require("@sockets-typescript/socket");\n(async () => {\n${body}\n})().catch((err) => { console.log(String(err)); process.exit(1); });`]);

// The Python programs: written as a student of the seed tutorial would, with a timeout so that a
// broken test ends instead of waiting forever.
const pythonUdpServer = `
import socket
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(15)
sock.bind(("10.10.0.101", 4000))
print("ready")
data, addr = sock.recvfrom(1024)
print("python received", data, "from", addr)
print("python sent", sock.sendto(b"Did my heart love till now? " + data, addr))
sock.close()
`;
const pythonUdpClient = `
import socket
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(15)
print("python sent", sock.sendto(b"Hello from python", ("10.10.0.101", 4000)))
print("python port", sock.getsockname()[1])
data, addr = sock.recvfrom(1024)
print("python received", data, "from", addr)
sock.close()
`;
const pythonTcpServer = `
import socket
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.settimeout(15)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("10.10.0.101", 4000))
sock.listen()
print("ready")
conn, addr = sock.accept()
conn.settimeout(15)
print("python accepted", addr)
data = conn.recv(1024)
print("python received", data)
conn.sendall(b"What's in a name? " + data)
conn.shutdown(socket.SHUT_WR)
print("python then read", conn.recv(1024))
conn.close()
sock.close()
`;
const pythonTcpClient = `
import socket
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.settimeout(15)
sock.connect(("10.10.0.101", 4000))
print("python connected from", sock.getsockname())
sock.sendall(b"But, soft! from python")
sock.shutdown(socket.SHUT_WR)
chunks = []
while True:
    chunk = sock.recv(1024)
    if not chunk:
        break
    chunks.append(chunk)
print("python received", b"".join(chunks))
sock.close()
`;

const ok = (run: { status: number | null; output: string }, who: string) => assert.equal(run.status, 0, `${who}:\n${run.output}`);

test("UDP: a Python receiver on juliet and the TypeScript module on romeo exchange datagrams", { skip: needsRoot }, async () => {
  const server = python("juliet", pythonUdpServer);
  await server.ready;
  const client = await typescriptSide("romeo", `
    const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    sock.settimeout(15);
    console.log("ts sent", await sock.sendto(socket.b\`Hello\`, ["10.10.0.101", 4000]));
    console.log("ts port", sock.getsockname()[1]);
    const [data, addr] = await sock.recvfrom(1024);
    console.log("ts received", data, "from", addr);
    sock.close();`).done;
  const julietSide = await server.done;
  ok(client, "TypeScript on romeo");
  ok(julietSide, "Python on juliet");
  const port = /^ts port (\d+)$/m.exec(client.output)?.[1];
  assert.ok(port, client.output);
  assert.match(client.output, /^ts sent 5$/m);
  assert.match(julietSide.output, new RegExp(`^python received b'Hello' from \\('10\\.10\\.0\\.100', ${port}\\)$`, "m"));
  assert.match(julietSide.output, /^python sent 33$/m);
  assert.match(client.output, /^ts received b'Did my heart love till now\? Hello' from \('10\.10\.0\.101', 4000\)$/m);
});

test("UDP: the TypeScript module on juliet and a Python sender on romeo exchange datagrams", { skip: needsRoot }, async () => {
  const server = typescriptSide("juliet", `
    const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
    sock.settimeout(15);
    sock.bind(["10.10.0.101", 4000]);
    console.log("ready");
    const [data, addr] = await sock.recvfrom(1024);
    console.log("ts received", data, "from", addr);
    console.log("ts sent", await sock.sendto(socket.b\`O Romeo, Romeo, wherefore art thou Romeo?\`, addr));
    sock.close();`);
  await server.ready;
  const client = await python("romeo", pythonUdpClient).done;
  const julietSide = await server.done;
  ok(client, "Python on romeo");
  ok(julietSide, "TypeScript on juliet");
  const port = /^python port (\d+)$/m.exec(client.output)?.[1];
  assert.match(client.output, /^python sent 17$/m);
  assert.match(julietSide.output, new RegExp(`^ts received b'Hello from python' from \\('10\\.10\\.0\\.100', ${port}\\)$`, "m"));
  assert.match(julietSide.output, /^ts sent 41$/m);
  assert.match(client.output, /^python received b'O Romeo, Romeo, wherefore art thou Romeo\?' from \('10\.10\.0\.101', 4000\)$/m);
});

test("TCP: a Python server on juliet and the TypeScript module connecting from romeo; half-close both ways", { skip: needsRoot }, async () => {
  const server = python("juliet", pythonTcpServer);
  await server.ready;
  const client = await typescriptSide("romeo", `
    const sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    sock.settimeout(15);
    await sock.connect(["10.10.0.101", 4000]);
    console.log("ts connected from", sock.getsockname());
    console.log("ts sent", await sock.send(socket.b\`that which we call a rose\`));
    let all = Buffer.alloc(0);
    for (let chunk = await sock.recv(1024); chunk.length > 0; chunk = await sock.recv(1024)) all = Buffer.concat([all, chunk]);
    console.log("ts received", new socket.Bytes(all), "then b''");
    sock.shutdown(socket.SHUT_WR);
    sock.close();`).done;
  const julietSide = await server.done;
  ok(client, "TypeScript on romeo");
  ok(julietSide, "Python on juliet");
  const port = /^ts connected from \('10\.10\.0\.100', (\d+)\)$/m.exec(client.output)?.[1];
  assert.ok(port, client.output);
  assert.match(julietSide.output, new RegExp(`^python accepted \\('10\\.10\\.0\\.100', ${port}\\)$`, "m"));
  assert.match(client.output, /^ts sent 25$/m);
  assert.match(julietSide.output, /^python received b'that which we call a rose'$/m);
  assert.match(client.output, /^ts received b"What's in a name\? that which we call a rose" then b''$/m);
  assert.match(julietSide.output, /^python then read b''$/m);
});

test("TCP: the TypeScript module as the server on juliet and a Python client on romeo", { skip: needsRoot }, async () => {
  const server = typescriptSide("juliet", `
    const sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM);
    sock.settimeout(15);
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);
    sock.bind(["10.10.0.101", 4000]);
    sock.listen();
    console.log("ready");
    const [conn, addr] = await sock.accept();
    conn.settimeout(15);
    console.log("ts accepted", addr);
    let all = Buffer.alloc(0);
    for (let chunk = await conn.recv(1024); chunk.length > 0; chunk = await conn.recv(1024)) all = Buffer.concat([all, chunk]);
    console.log("ts received", new socket.Bytes(all), "then b''");
    await conn.sendall(socket.b\`It is the east, and Juliet is the sun.\`);
    conn.shutdown(socket.SHUT_RDWR);
    conn.close();
    sock.close();`);
  await server.ready;
  const client = await python("romeo", pythonTcpClient).done;
  const julietSide = await server.done;
  ok(client, "Python on romeo");
  ok(julietSide, "TypeScript on juliet");
  const port = /^python connected from \('10\.10\.0\.100', (\d+)\)$/m.exec(client.output)?.[1];
  assert.ok(port, client.output);
  assert.match(julietSide.output, new RegExp(`^ts accepted \\('10\\.10\\.0\\.100', ${port}\\)$`, "m"));
  assert.match(julietSide.output, /^ts received b'But, soft! from python' then b''$/m);
  assert.match(client.output, /^python received b'It is the east, and Juliet is the sun\.'$/m);
});
