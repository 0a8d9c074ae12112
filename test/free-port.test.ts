// The one free-port probe: a port the OS picks, and whether a given port is taken.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { freePort, portIsFree } from "../src/common/free-port";

test("freePort gives a port nothing listens on; portIsFree tells a taken port from a free one", async () => {
  const port = await freePort();
  assert.ok(Number.isInteger(port) && port > 0 && port < 65536);
  assert.equal(await portIsFree(port), true);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  try {
    assert.equal(await portIsFree(port), false);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  assert.equal(await portIsFree(port), true, "free again once closed");
});
