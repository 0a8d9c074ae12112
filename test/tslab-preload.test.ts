// tslab-preload's third job, alone: the sends tslab makes without waiting are chained per
// zeromq socket, so none is refused and they arrive in order. (The stop button, its first two
// jobs, is tested through real kernels in lab-kernels and stop-button.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "./support/lab-fixture";
import { freePort } from "../src/common/free-port";

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
