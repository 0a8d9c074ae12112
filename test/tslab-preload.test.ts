// tslab-preload's third job, alone: the sends tslab makes without waiting are chained per
// zeromq socket, so none is refused and they arrive in order; and its eighth, in a real tslab
// started by host-kernel: each IOPub subscriber is welcomed. (The stop button, its first two
// jobs, is tested through real kernels in lab-kernels and stop-button.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { dirname, join } from "node:path";
import { projectRoot } from "./support/lab-fixture";
import { freePort } from "../src/common/free-port";
import { CHANNELS } from "../src/host/protocol";
import { deadline } from "../bench/deadlines";

const preload = join(projectRoot, "dist", "src", "host", "tslab-preload.js");

/** 1,200 unawaited sends on a Publisher, as tslab's iopub makes them; prints what the subscriber got. */
const script = (port: number) => `
const { dirname } = require("node:path");
const zmq = require(require.resolve("zeromq", { paths: [dirname(require.resolve("tslab/package.json"))] }));
(async () => {
  const pub = new zmq.Publisher();
  await pub.bind("tcp://127.0.0.1:${port}");
  const sub = new zmq.Subscriber();
  sub.connect("tcp://127.0.0.1:${port}");
  sub.subscribe();
  await new Promise((resolve) => setTimeout(resolve, 300));
  let refused = "";
  for (let i = 0; i < 1200; i++) {
    try {
      pub.send(["m" + i]).catch(() => {});
    } catch (err) {
      refused ||= "send " + (i + 1) + ": " + err.message;
    }
  }
  const got = [];
  const done = () => { console.log(JSON.stringify({ refused, got: got.length, inOrder: got.every((m, i) => m === "m" + i) })); process.exit(0); };
  setTimeout(done, 3000);
  for await (const [m] of sub) if (got.push(String(m)) === 1200) done();
})();
`;

function run(withPreload: boolean, port: number): { refused: string; got: number; inOrder: boolean } {
  const args = [...(withPreload ? ["--require", preload] : []), "-e", script(port)];
  const result = spawnSync(process.execPath, args, { cwd: projectRoot, encoding: "utf8", timeout: 20_000 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split("\n").pop()!);
}

test("with the preload, 1,200 sends made without waiting all arrive, in order", async () => {
  assert.deepEqual(run(true, await freePort()), { refused: "", got: 1200, inOrder: true });
});

test("without it, zeromq.js defers the 513th send made without waiting and refuses the next (what hung tslab's 168th cell)", async () => {
  const plain = run(false, await freePort());
  assert.match(plain.refused, /^send 514: Socket is busy writing/);
  assert.ok(plain.got < 1200, JSON.stringify(plain));
});

test("each IOPub subscriber, the first and one more to the same topic, gets a signed iopub_welcome without any request (JEP 65: the server's nudge ends at once)", { timeout: 60_000 }, async () => {
  const zmq = require(require.resolve("zeromq", { paths: [dirname(require.resolve("tslab/package.json"))] }));
  const key = randomBytes(16).toString("hex");
  const info: Record<string, unknown> = { transport: "tcp", ip: "127.0.0.1", key, signature_scheme: "hmac-sha256" };
  for (const channel of CHANNELS) {
    let port: number;
    do port = await freePort(); while (Object.values(info).includes(port));
    info[`${channel}_port`] = port;
  }
  const kernel = spawn(process.execPath, [join(projectRoot, "dist", "src", "host", "host-kernel.js")], { cwd: projectRoot, stdio: ["pipe", "ignore", "ignore"] });
  const sockets: Array<{ close(): void }> = [];
  const sign = (parts: string[]) => parts.reduce((h, part) => h.update(part), createHmac("sha256", key)).digest("hex");
  try {
    kernel.stdin.write(JSON.stringify(info) + "\n");
    // Started: a kernel_info reply on shell (tslab binds all five sockets together).
    const dealer = new zmq.Dealer({ linger: 0 });
    sockets.push(dealer);
    dealer.connect(`tcp://127.0.0.1:${info.shell_port}`);
    const header = { msg_id: randomUUID(), session: "test", username: "test", date: new Date().toISOString(), msg_type: "kernel_info_request", version: "5.3" };
    const parts = [JSON.stringify(header), "{}", "{}", "{}"];
    await dealer.send(["<IDS|MSG>", sign(parts), ...parts]);
    await deadline(dealer.receive(), 30_000, "tslab's kernel_info reply");
    // Then subscribers, each sent nothing: what arrives is the welcome alone.
    for (const which of ["first", "second, to the same topic"]) {
      const sub = new zmq.Subscriber({ linger: 0 });
      sockets.push(sub);
      sub.connect(`tcp://127.0.0.1:${info.iopub_port}`);
      sub.subscribe();
      const frames: string[] = ((await deadline(sub.receive(), 5000, `the ${which} subscriber's welcome`)) as Buffer[]).map(String);
      const at = frames.indexOf("<IDS|MSG>");
      const [signature, head, parent, metadata, content] = frames.slice(at + 1);
      assert.equal(JSON.parse(head).msg_type, "iopub_welcome", which);
      assert.equal(signature, sign([head, parent, metadata, content]), `${which}: the welcome is signed with the connection's key`);
      assert.deepEqual([JSON.parse(parent), JSON.parse(content)], [{}, { subscription: "" }]);
    }
  } finally {
    for (const socket of sockets) socket.close();
    kernel.stdin.end();
    await new Promise((resolve) => (kernel.exitCode !== null ? resolve(null) : kernel.once("exit", resolve)));
  }
});
