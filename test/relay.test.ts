// The relays between a kernel's TCP ports and unix sockets: bytes both ways, and a target that
// starts listening late (a kernel still starting) loses nothing that was sent before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createConnection, createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listen, relayServer } from "../src/host/relay";

test("a relay holds what the client sends until its target starts listening, then carries both ways", async () => {
  const dir = mkdtempSync(join(tmpdir(), "relay-test-"));
  const target = join(dir, "shell.sock");
  const relay = relayServer({ path: target });
  await listen(relay, { host: "127.0.0.1", port: 0 });
  const { port } = relay.address() as { port: number };
  const client = createConnection({ host: "127.0.0.1", port });
  client.write("hello before the kernel is up");
  await new Promise((resolve) => setTimeout(resolve, 150));
  // The "kernel" starts late and answers in upper case.
  const kernel = createServer((conn) => conn.on("data", (chunk) => conn.write(String(chunk).toUpperCase())));
  await listen(kernel, { path: target });
  const answer = await new Promise<string>((resolve) => client.once("data", (chunk) => resolve(String(chunk))));
  assert.equal(answer, "HELLO BEFORE THE KERNEL IS UP");
  client.destroy();
  relay.close();
  kernel.close();
  rmSync(dir, { recursive: true, force: true });
});

test("listen reports a port already in use as an error, not a crash", async () => {
  const first = createServer();
  await listen(first, { host: "127.0.0.1", port: 0 });
  const { port } = first.address() as { port: number };
  await assert.rejects(listen(relayServer({ path: "/nonexistent" }), { host: "127.0.0.1", port }), { code: "EADDRINUSE" });
  first.close();
});
