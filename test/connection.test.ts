// Connection info as Jupyter writes it: accepted when right, one clear sentence when not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConnectionInfo, portOf } from "../src/host/connection";

const good = { transport: "tcp", ip: "127.0.0.1", key: "k", signature_scheme: "hmac-sha256", shell_port: 5001, iopub_port: 5002, stdin_port: 5003, control_port: 5004, hb_port: 5005, kernel_name: "ts-romeo" };

test("a connection file as Jupyter writes it is accepted, with its ports", () => {
  const info = parseConnectionInfo(JSON.stringify(good));
  assert.deepEqual(["shell", "iopub", "stdin", "control", "hb"].map((c) => portOf(info, c as "shell")), [5001, 5002, 5003, 5004, 5005]);
});

test("wrong connection info is refused with what is wrong", () => {
  const cases: [string, string][] = [
    ["{", "connection info is not JSON"],
    ["null", "connection info is not a JSON object"],
    [JSON.stringify({ ...good, transport: "ipc" }), 'connection info: transport must be "tcp", not "ipc"'],
    [JSON.stringify({ ...good, ip: "0.0.0.0" }), 'connection info: ip must be 127.0.0.1 (kernels listen on loopback only), not "0.0.0.0"'],
    [JSON.stringify({ ...good, key: 5 }), "connection info: key must be a string"],
    [JSON.stringify({ ...good, hb_port: 70000 }), "connection info: hb_port must be a port number 1-65535, not 70000"],
    [JSON.stringify({ ...good, shell_port: "5001" }), 'connection info: shell_port must be a port number 1-65535, not "5001"'],
  ];
  for (const [text, message] of cases) assert.throws(() => parseConnectionInfo(text), { message }, text);
});
