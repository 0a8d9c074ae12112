// The connection info's one rule set, in both languages: src/host/connection.ts and the ssh
// launcher's parse_connection_info (testbeds/kernels/ssh_kernel_launcher.py) must accept and
// refuse the same vectors (test/fixtures/connection-vectors.json), with the same words.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../src/common/paths";
import { SocketsError } from "../src/common/errors";
import { CHANNELS, ConnectionInfoError, parseConnectionInfo, portOf } from "../src/host/connection";

interface Vector {
  name: string;
  text?: string;
  change?: Record<string, unknown>;
  remove?: string[];
  accept?: true;
  refuse?: string;
}
const vectors: { base: Record<string, unknown>; cases: Vector[] } = JSON.parse(readFileSync(join(projectRoot, "test", "fixtures", "connection-vectors.json"), "utf8"));

function textOf(vector: Vector): string {
  if (vector.text !== undefined) return vector.text;
  const info: Record<string, unknown> = { ...vectors.base, ...vector.change };
  for (const field of vector.remove ?? []) delete info[field];
  return JSON.stringify(info);
}

/** What a parser did with a vector: "accept" or the refusal's message. */
type Outcome = string;
const expected = (vector: Vector): Outcome => (vector.accept ? "accept" : vector.refuse!);

test("the vectors cover both outcomes and every rule", () => {
  assert.ok(vectors.cases.every((v) => (v.accept === true) !== (typeof v.refuse === "string")), "each case accepts or refuses");
  const refusals = vectors.cases.filter((v) => v.refuse).map((v) => v.refuse!);
  for (const rule of ["not JSON", "not a JSON object", "transport", "ip", "key", "signature_scheme", "port number", "its own port"]) {
    assert.ok(refusals.some((r) => r.includes(rule)), rule);
  }
  assert.ok(vectors.cases.filter((v) => v.accept).length >= 3);
});

test("connection.ts accepts and refuses each vector as it says, with a ConnectionInfoError", () => {
  for (const vector of vectors.cases) {
    let outcome: Outcome = "accept";
    try {
      const info = parseConnectionInfo(textOf(vector));
      assert.deepEqual(info, JSON.parse(textOf(vector)), `${vector.name}: passed on untouched`);
    } catch (err) {
      assert.ok(err instanceof ConnectionInfoError && err instanceof SocketsError, vector.name);
      assert.equal(err.code, "ERR_CONNECTION_INFO");
      assert.equal(err.name, "ConnectionInfoError");
      outcome = err.message;
    }
    assert.equal(outcome, expected(vector), vector.name);
  }
});

test("the ssh launcher (Python) accepts and refuses each vector the same, with the same words", () => {
  const script = `
import json, sys
sys.path.insert(0, sys.argv[1])
import ssh_kernel_launcher as launcher
outcomes = []
for text in json.load(sys.stdin):
    try:
        launcher.parse_connection_info(text)
        outcomes.append("accept")
    except launcher.ConnectionInfoError as error:
        outcomes.append(str(error))
print(json.dumps(outcomes))
`;
  const texts = vectors.cases.map(textOf);
  const outcomes: Outcome[] = JSON.parse(
    execFileSync("/usr/bin/python3", ["-c", script, join(projectRoot, "testbeds", "kernels")], { input: JSON.stringify(texts), encoding: "utf8" }),
  );
  assert.equal(outcomes.length, vectors.cases.length);
  vectors.cases.forEach((vector, i) => assert.equal(outcomes[i], expected(vector), vector.name));
});

test("an accepted connection info gives each channel's port", () => {
  const info = parseConnectionInfo(JSON.stringify(vectors.base));
  assert.deepEqual(CHANNELS.map((channel) => portOf(info, channel)), [5001, 5002, 5003, 5004, 5005]);
});
