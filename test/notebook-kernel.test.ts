// The views in a real kernel in the lab (root): host() in juliet's tslab sends each view as ONE
// display_data with image/svg+xml or text/html AND text/plain; the wire view shows a datagram
// sent in the same cell; and the capture (tcpdump and its watcher) dies with the kernel, also
// after kill -9 of the kernel process, with no packet ever arriving.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import type { KernelMessage } from "@jupyterlab/services";
import { LabSession } from "../src/session/lab-session";
import { walkthroughNotebooks } from "../src/runner/walkthrough";
import type { KernelPair } from "../src/session/kernel-pair";
import { needsRoot, projectRoot, testLab } from "./support/lab-fixture";
import { alive } from "./support/processes";

const prefix = "nbk-";
const lab = testLab(prefix);
let session: LabSession | undefined;
let pair: KernelPair | undefined;

before(async () => {
  if (needsRoot) return;
  await lab.down();
});
after(async () => {
  await pair?.stop().catch(() => undefined);
  await session?.close().catch(() => undefined);
  if (!needsRoot) await lab.down();
});

interface Output { type: string; data: Record<string, string>; text: string }

/** Runs a cell on juliet's kernel, collecting every iopub output. */
async function run(code: string): Promise<Output[]> {
  const kernel = pair!.kernels.juliet.kernel;
  const outputs: Output[] = [];
  const future = kernel.requestExecute({ code, stop_on_error: false, silent: false, store_history: true, allow_stdin: false });
  future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    const content = msg.content as Record<string, any>;
    if (msg.header.msg_type === "display_data") outputs.push({ type: "display_data", data: content.data, text: "" });
    if (msg.header.msg_type === "stream") outputs.push({ type: content.name, data: {}, text: content.text });
    if (msg.header.msg_type === "error") outputs.push({ type: "error", data: {}, text: `${content.ename}: ${content.evalue}` });
  };
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([future.done, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no reply within 30 s to: ${code}`)), 30_000)))]);
  clearTimeout(timer);
  return outputs;
}


/** The pids of a process's children (tcpdump and the watcher under the capture's sh). */
const children = (pid: number) => execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(pid)], { encoding: "utf8" }).trim().split("\n").filter(Boolean);

test("views in a real kernel: one bundle per view with both MIME types; the capture dies with the kernel (kill -9)", { skip: needsRoot, timeout: 180_000 }, async () => {
  session = await LabSession.open({ root: projectRoot, prefix });
  pair = await session.startPair(walkthroughNotebooks("udp"));

  const setup = await run('import * as socket from "@sockets-typescript/socket";\nimport { host } from "@sockets-typescript/notebook";\nconst here = host("juliet");\nawait here.capture!.started();\nconsole.log("capture", here.capture!.state, here.capture!.child.pid, process.pid);');
  assert.match(setup.map((o) => o.text).join(""), /^this kernel runs on juliet \(10\.10\.0\.101 on lan0\)$/m);
  const topology = setup.filter((o) => o.type === "display_data");
  assert.equal(topology.length, 1, JSON.stringify(setup));
  assert.deepEqual(Object.keys(topology[0].data).sort(), ["image/svg+xml", "text/html", "text/plain"]);
  // The inline SVG for trusted pages and the text for untrusted ones; no PNG from the kernel (view-bundle.ts).
  assert.ok(topology[0].data["text/html"].includes(`<div class="sockets-svg" hidden style="display:none">${topology[0].data["image/svg+xml"]}</div><pre class="sockets-untrusted sockets-text">`));
  assert.match(topology[0].data["image/svg+xml"], /class="sockets-topology" data-host="juliet"/);
  assert.match(topology[0].data["text/plain"], /juliet \(10\.10\.0\.101, lan0\) <- this kernel/);
  const [, state, shPid, kernelPid] = /capture (\w+) (\d+) (\d+)/.exec(setup.map((o) => o.text).join("")) ?? [];
  assert.equal(state, "running");

  const cell = await run('const s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM);\ns.bind(["10.10.0.101", 4000]);\nawait s.sendto(socket.b`Hello`, ["10.10.0.100", 5000]);\nhere.sockets("udp");\nawait here.wire();');
  const bundles = cell.filter((o) => o.type === "display_data");
  assert.equal(bundles.length, 2, JSON.stringify(cell));
  assert.deepEqual(Object.keys(bundles[0].data).sort(), ["text/html", "text/plain"]);
  assert.match(bundles[0].data["text/html"], /<tr class="socket-row socket-same" data-change="same" data-state="UNCONN" data-local="10\.10\.0\.101:4000"/);
  assert.match(bundles[0].data["text/plain"], /^UNCONN\s+0\s+0\s+10\.10\.0\.101:4000\s/m);
  assert.deepEqual(Object.keys(bundles[1].data).sort(), ["image/svg+xml", "text/html", "text/plain"]);
  assert.match(bundles[1].data["text/plain"], /^ +1 +\+0\.000 ms  juliet:4000 -> romeo:5000  UDP length=13 \(5 bytes\) b'Hello'$/m);
  assert.match(bundles[1].data["text/plain"], /romeo -> juliet  ICMP port unreachable \(about UDP juliet:4000 -> romeo:5000\)$/m);
  assert.match(bundles[1].data["image/svg+xml"], /data-icmp="port unreachable"/);

  // A bad argument: a one-line ValueError, the kernel goes on.
  const bad = await run('here.sockets("sctp" as any);');
  assert.deepEqual(bad.filter((o) => o.type !== "display_data").map((o) => o.text.trim()).join("\n").split("\n")[0], 'ValueError: sockets() takes "udp" or "tcp", not "sctp"');

  const watched = children(Number(shPid));
  assert.ok(watched.some((line) => /tcpdump -i lan0/.test(line)), `tcpdump under the capture's sh: ${watched.join("; ")}`);
  const pids = [Number(shPid), ...watched.map((line) => Number(line.trim().split(/\s+/)[0]))];
  // No packet arrives from now on: tcpdump never writes, so only the watcher can end it.
  process.kill(Number(kernelPid), "SIGKILL");
  const deadline = Date.now() + 10_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(pids.filter(alive), [], "the capture outlived the kernel by 10 s");
});
