// Run on a host by testbeds/host-setup.sh: starts host-kernel.js the way the SSH launcher does
// (connection info as the first stdin line), runs one cell over the Jupyter protocol and stops
// the kernel by closing stdin. Proves that tslab starts and answers on this host.
//
//   node dist/src/host/kernel-check.js        (cwd: the project)   exit 0 = the kernel answered
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import type * as Zmq from "zeromq";
import { freePort } from "../common/free-port";
import { CHANNELS, EXIT_FAILED, portOf, signMessage, type ConnectionInfo } from "./protocol";

const TIMEOUT_MS = 120_000; // a first tslab start on a small VM compiles TypeScript: be patient
const CELL = 'const kernelCheckAnswer: string = require("os").hostname(); kernelCheckAnswer';

// zeromq is tslab's dependency: load the copy tslab itself uses.
const zmq: typeof Zmq = require(require.resolve("zeromq", { paths: [dirname(require.resolve("tslab/package.json"))] }));

function fail(message: string): never {
  process.stderr.write(`kernel-check: ${message}\n`);
  process.exit(EXIT_FAILED);
}

async function main(): Promise<void> {
  const key = randomBytes(16).toString("hex");
  const info: ConnectionInfo = { transport: "tcp", ip: "127.0.0.1", key, signature_scheme: "hmac-sha256", shell_port: 0, iopub_port: 0, stdin_port: 0, control_port: 0, hb_port: 0 };
  const taken = new Set<number>();
  for (const channel of CHANNELS) {
    let port: number;
    do port = await freePort(); while (taken.has(port)); // each channel its own port (the protocol's rule)
    taken.add(port);
    info[`${channel}_port`] = port;
  }
  const hostKernel = join(__dirname, "host-kernel.js");
  const kernel = spawn(process.execPath, [hostKernel], { stdio: ["pipe", "inherit", "inherit"] });
  let exited = false;
  kernel.on("exit", (code) => {
    exited = true;
    if (!done) fail(`host-kernel exited with code ${code} before answering`);
  });
  kernel.stdin.write(JSON.stringify(info) + "\n");
  let done = false;
  const timer = setTimeout(() => fail(`no answer from the kernel within ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);

  const sign = (parts: string[]) => signMessage(key, parts);
  const message = (msgType: string, content: object) => {
    const header = { msg_id: randomUUID(), session: "kernel-check", username: "host-setup", date: new Date().toISOString(), msg_type: msgType, version: "5.3" };
    const parts = [JSON.stringify(header), "{}", "{}", JSON.stringify(content)];
    return { id: header.msg_id, frames: ["<IDS|MSG>", sign(parts), ...parts] };
  };
  const dealer = new zmq.Dealer({ linger: 0 });
  dealer.connect(`tcp://127.0.0.1:${portOf(info, "shell")}`);
  const request = async (msgType: string, content: object) => {
    const { id, frames } = message(msgType, content);
    await dealer.send(frames);
    for (;;) {
      const reply = (await dealer.receive()).map((frame) => frame.toString());
      const at = reply.indexOf("<IDS|MSG>");
      const [signature, header, parent, metadata, body] = reply.slice(at + 1);
      if (signature !== sign([header, parent, metadata, body])) fail("a reply's signature is wrong");
      if (JSON.parse(parent).msg_id === id) return { type: JSON.parse(header).msg_type as string, content: JSON.parse(body) };
    }
  };

  const info1 = await request("kernel_info_request", {});
  const language = info1.content.language_info?.name;
  const reply = await request("execute_request", { code: CELL, silent: false, store_history: false, user_expressions: {}, allow_stdin: false });
  if (reply.content.status !== "ok") fail(`the test cell failed: ${reply.content.ename}: ${reply.content.evalue}`);
  done = true;
  clearTimeout(timer);
  dealer.close();
  process.stdout.write(`kernel-check: tslab (${language}) started and ran a cell on ${hostname()}\n`);
  kernel.stdin.end(); // what the launcher's end looks like to host-kernel: it stops tslab
  const stopped = await new Promise<boolean>((resolve) => {
    if (exited) return resolve(true);
    const guard = setTimeout(() => resolve(false), 10_000);
    kernel.on("exit", () => { clearTimeout(guard); resolve(true); });
  });
  if (!stopped) fail("host-kernel did not stop within 10 s after stdin closed");
}

main().catch((err) => fail((err as Error).message));
