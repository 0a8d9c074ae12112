// The host-kernel protocol is written once (src/host/protocol.ts); the ssh launcher, in Python,
// keeps copies of its constants: they must be the same, or a testbed kernel fails on the host.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../src/common/paths";
import * as protocol from "../src/host/protocol";

test("the ssh launcher's constants are protocol.ts's", () => {
  const script = `
import json, sys
sys.path.insert(0, sys.argv[1])
import ssh_kernel_launcher as l
print(json.dumps({"CHANNELS": list(l.CHANNELS), "HOST_KERNEL_SCRIPT": l.HOST_KERNEL, "RELAY_DIR_OPTION": l.RELAY_DIR_OPTION,
                  "INTERRUPT_LINE": l.INTERRUPT_LINE, "STARTED_MARKER": l.STARTED_MARKER,
                  "EXIT_NOT_SET_UP": l.NOT_SET_UP, "EXIT_NO_NODE": l.NO_NODE,
                  "forwards": l.forwards_to({f"{c}_port": 5000 + i for i, c in enumerate(l.CHANNELS)}, "/tmp/r")}))
`;
  const python = JSON.parse(execFileSync("/usr/bin/python3", ["-c", script, join(projectRoot, "testbeds", "kernels")], { encoding: "utf8" }));
  assert.deepEqual(python.CHANNELS, [...protocol.CHANNELS]);
  for (const name of ["HOST_KERNEL_SCRIPT", "RELAY_DIR_OPTION", "INTERRUPT_LINE", "STARTED_MARKER", "EXIT_NOT_SET_UP", "EXIT_NO_NODE"] as const) {
    assert.equal(python[name], protocol[name], name);
  }
  // ssh forwards each port to the socket host-kernel serves for that channel.
  assert.deepEqual(python.forwards, protocol.CHANNELS.map((channel, i) => `127.0.0.1:${5000 + i}:${protocol.relaySocketPath("/tmp/r", channel)}`));
});

test("the script the ssh launcher runs on a host is where the build puts host-kernel", () => {
  assert.ok(existsSync(join(projectRoot, protocol.HOST_KERNEL_SCRIPT)), protocol.HOST_KERNEL_SCRIPT);
  assert.equal(join(projectRoot, protocol.HOST_KERNEL_SCRIPT), join(__dirname, "..", "src", "host", "host-kernel.js"));
});

test("the started line begins with the marker the ssh launcher looks for", () => {
  assert.equal(protocol.startedLine(4242, "juliet"), "host-kernel: tslab started pid 4242 on juliet");
  assert.ok(protocol.startedLine(1, "romeo").startsWith(protocol.STARTED_MARKER));
  assert.equal(protocol.relaySocketPath("/tmp/lab-kernel-romeo-x", "hb"), "/tmp/lab-kernel-romeo-x/hb.sock");
});
