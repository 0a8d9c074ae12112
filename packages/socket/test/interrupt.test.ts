// SIGINT (the notebook's stop button) during pending calls, in child processes so that a
// signal can never hit the test runner. The cancellation latency is reported as a
// diagnostic, not asserted (speed goals belong to benchmarks).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { listeningForSigint, pendingCount, whilePending } from "../src/interrupt";

const moduleIndex = join(__dirname, "..", "src", "index.js");

/** Runs a script in a fresh node process; `socket` is the module. */
function runScript(body: string, timeoutMs = 20000) {
  const script = `const socket = require(${JSON.stringify(moduleIndex)});\n${body}`;
  return spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: timeoutMs });
}

function resultOf(run: ReturnType<typeof runScript>): Record<string, any> {
  assert.equal(run.status, 0, `child failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop() as string);
}

// Sends SIGINT to itself while `pending` waits; reports what the call ended with and how fast.
const interruptHelper = `
function interruptDuring(pending) {
  return new Promise((done) => {
    setTimeout(() => {
      const sent = performance.now();
      process.kill(process.pid, "SIGINT");
      pending.then(
        (value) => done({ outcome: "resolved", value: String(value), ms: performance.now() - sent }),
        (err) => done({ outcome: err.name, message: err.message, ms: performance.now() - sent }));
    }, 150);
  });
}`;

test("SIGINT ends a pending recvfrom with KeyboardInterrupt and loses no datagram", (t) => {
  const result = resultOf(runScript(`${interruptHelper}
(async () => {
  const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  sock.bind(["127.0.0.101", 0]);
  const sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  const idleListening = process.listenerCount("SIGINT");
  const first = await interruptDuring(sock.recvfrom(1024));
  const afterListening = process.listenerCount("SIGINT");
  await sender.sendto(socket.b\`after the interrupt\`, sock.getsockname());
  const [data, addr] = await sock.recvfrom(1024);
  console.log(JSON.stringify({ idleListening, first, afterListening, data: String(data), from: addr[0] }));
  sock.close(); sender.close();
})();`));
  t.diagnostic(`recvfrom cancelled ${result.first.ms.toFixed(1)} ms after SIGINT`);
  assert.equal(result.idleListening, 0);
  assert.equal(result.first.outcome, "KeyboardInterrupt");
  assert.match(result.first.message, /^recvfrom\(\) interrupted/);
  assert.equal(result.afterListening, 0);
  assert.equal(result.data, "b'after the interrupt'");
  assert.equal(result.from, "127.0.0.1");
});

test("SIGINT ends pending accept, recv, connect and sendall calls, and each socket stays usable", (t) => {
  const result = resultOf(runScript(`${interruptHelper}
(async () => {
  const out = {};
  const listener = socket.socket();
  listener.bind(["127.0.0.101", 0]);
  listener.listen(0);
  out.accept = await interruptDuring(listener.accept());

  const client = socket.socket();
  await client.connect(listener.getsockname());
  const [conn] = await listener.accept();
  out.recv = await interruptDuring(conn.recv(100));
  await client.sendall(socket.b\`still there\`);
  out.recvAfter = String(await conn.recv(100));

  // Fill the peer's receive buffer and our send buffer: sendall must wait, then gets interrupted.
  conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096);
  out.sendall = await interruptDuring(client.sendall(new Uint8Array(8 * 1024 * 1024)));

  // A full accept queue (backlog 0 holds one) makes a later handshake wait for SYN retries.
  const full = socket.socket();
  full.bind(["127.0.0.101", 0]);
  full.listen(0);
  for (let i = 0; i < 4 && !out.connect; i++) {
    const c = socket.socket();
    const connecting = c.connect(full.getsockname());
    const state = await Promise.race([connecting.then(() => "done"), new Promise((r) => setTimeout(() => r("pending"), 300))]);
    if (state === "pending") out.connect = await interruptDuring(connecting);
  }
  out.listening = process.listenerCount("SIGINT");
  console.log(JSON.stringify(out));
  process.exit(0);
})();`));
  for (const call of ["accept", "recv", "sendall", "connect"]) {
    assert.equal(result[call].outcome, "KeyboardInterrupt", `${call}: ${JSON.stringify(result[call])}`);
    t.diagnostic(`${call} cancelled ${result[call].ms.toFixed(1)} ms after SIGINT`);
  }
  assert.equal(result.recvAfter, "b'still there'");
  assert.equal(result.listening, 0);

});

test("an idle script that imported the module still dies on SIGINT", () => {
  const run = runScript(`
const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
sock.bind(["127.0.0.101", 0]);
setTimeout(() => process.kill(process.pid, "SIGINT"), 100);
setTimeout(() => { console.log("survived"); process.exit(0); }, 3000);`);
  assert.equal(run.signal, "SIGINT");
  assert.doesNotMatch(run.stdout, /survived/);
});

test("an unhandled KeyboardInterrupt ends a standalone script with a one-line error", () => {
  const run = runScript(`
const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
sock.bind(["127.0.0.101", 0]);
setTimeout(() => process.kill(process.pid, "SIGINT"), 150);
(async () => { await sock.recvfrom(1024); console.log("not reached"); })();`);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /KeyboardInterrupt: recvfrom\(\) interrupted/);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
  assert.doesNotMatch(run.stdout, /not reached/);
});

// The listener's life cycle, in this process (no signal sent).
test("the SIGINT listener is added a macrotask after the first pending call and removed ~50 ms after the last", async () => {
  assert.equal(listeningForSigint(), false);
  const doneA = whilePending({ interrupt() {} });
  const doneB = whilePending({ interrupt() {} });
  assert.equal(pendingCount(), 2);
  assert.equal(listeningForSigint(), false, "not inside the synchronous part (tslab's breakOnSigint window)");
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(listeningForSigint(), true);
  doneA();
  assert.equal(listeningForSigint(), true);
  doneB();
  doneB();
  assert.equal(pendingCount(), 0);
  // It lingers (a receive loop waits again at once; adding a listener costs more than a recv).
  assert.equal(listeningForSigint(), true);
  const again = whilePending({ interrupt() {} });
  again();
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(listeningForSigint(), false);
});

test("a SIGINT while the listener lingers with no pending call kills the script as Node's default", () => {
  const run = runScript(`
(async () => {
  const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  sock.bind(["127.0.0.101", 0]);
  const waiting = sock.recvfrom(1024);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(socket.b\`x\`, sock.getsockname());
  await waiting;
  console.log("lingering " + process.listenerCount("SIGINT"));
  process.kill(process.pid, "SIGINT");
  setTimeout(() => { console.log("survived"); process.exit(0); }, 2000);
})();`);
  assert.match(run.stdout, /lingering 1/);
  assert.equal(run.signal, "SIGINT");
  assert.doesNotMatch(run.stdout, /survived/);
});

test("a call that ends before the listener was added leaves no listener", async () => {
  const done = whilePending({ interrupt() {} });
  done();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(listeningForSigint(), false);
});

// The project's kernels deliver the stop button themselves (src/host/tslab-preload.ts): a hub on
// globalThis before the module loads; then no SIGINT listener, and the hub's call is synchronous.
test("with a kernel's interrupt hub, the hub ends pending calls at once and SIGINT is never listened for", () => {
  const script = `const hub = { interrupters: new Set() };
globalThis[Symbol.for("@sockets-typescript/socket:interrupt-hub")] = hub;
const socket = require(${JSON.stringify(moduleIndex)});
(async () => {
  const sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  sock.bind(["127.0.0.101", 0]);
  const sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);
  const waiting = sock.recvfrom(1024);
  let outcome = "pending";
  waiting.then(() => (outcome = "resolved"), (err) => (outcome = err.name + ": " + err.message));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const listening = process.listenerCount("SIGINT");
  const interrupted = [...hub.interrupters].reduce((sum, f) => sum + f(), 0);
  // The datagram is sent right after, before the rejection is seen: the cancelled wait must not take it.
  await sender.sendto(socket.b\`for the next call\`, sock.getsockname());
  await new Promise((resolve) => setTimeout(resolve, 50));
  const [data] = await sock.recvfrom(1024);
  const again = [...hub.interrupters].reduce((sum, f) => sum + f(), 0);
  // Latched (a stop came, the next cell has not started): a call that begins to wait ends at once.
  hub.latched = true;
  const latched = await sock.recvfrom(1024).then(() => "resolved", (err) => err.name);
  hub.latched = false;
  console.log(JSON.stringify({ hubs: hub.interrupters.size, listening, interrupted, outcome, data: String(data), again, latched }));
  sock.close(); sender.close();
})();`;
  const result = resultOf(spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 20000 }));
  assert.deepEqual(result, {
    hubs: 1,
    listening: 0,
    interrupted: 1,
    outcome: "KeyboardInterrupt: recvfrom() interrupted; nothing was lost and the socket is still usable",
    data: "b'for the next call'",
    again: 0,
    latched: "KeyboardInterrupt",
  });
});
