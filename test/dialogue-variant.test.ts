// packages/dialogue under the checker: a host's kernel knows the words of its own lines only.
// Each case runs a fresh Node process, as a kernel is, with or without the checker's variable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { VARIANT_ENV, makeVariant, parseVariant, salt, unsalt, variantEnvironment, variantLines, writtenLinesOf } from "@sockets-typescript/dialogue";

function inKernel(code: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ["-e", `const d = require("@sockets-typescript/dialogue"); ${code}`], {
    encoding: "utf8",
    env: { ...process.env, [VARIANT_ENV]: "", ...env },
    cwd: __dirname,
  });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

test("outside the checker linesOf, dialogue and checkDelivery work on the written text, byte for byte", () => {
  const r = inKernel(`console.log(JSON.stringify(d.linesOf("romeo").map((l) => l.text))); d.checkDelivery("romeo", d.linesOf("romeo").map((l) => l.text));`);
  assert.equal(r.status, 0, r.stderr);
  const [texts, said] = r.stdout.split("\n");
  assert.deepEqual(JSON.parse(texts), writtenLinesOf("romeo").map((l) => l.text));
  assert.equal(said, "dialogue intact: all 8 lines from romeo arrived, byte for byte, in order");
});

test("under the checker a host sees its own lines with the run's words, its partner's without", () => {
  const variant = makeVariant("romeo");
  const r = inKernel(`console.log(JSON.stringify([d.linesOf("romeo")[0].text, d.linesOf("juliet")[0].text, d.dialogue[0].text, d.dialogue[8].text]))`, variantEnvironment(variant));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [`She speaks: [${variant.words[0]}]`, "O Romeo, Romeo! wherefore art thou Romeo?", `She speaks: [${variant.words[0]}]`, "O Romeo, Romeo! wherefore art thou Romeo?"]);
});

test("under the checker the receiver's checkDelivery checks the form only: words present, lines in order, none missing", () => {
  const romeo = variantLines(makeVariant("romeo")).map((l) => l.text);
  const env = variantEnvironment(makeVariant("juliet")); // juliet's kernel: knows her words, not romeo's
  const ok = inKernel(`d.checkDelivery("romeo", ${JSON.stringify(romeo)})`, env);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, "dialogue intact: all 8 lines from romeo arrived in order, each with a run word (the checker compares the words)");
  const fromData = inKernel(`try { d.checkDelivery("romeo", d.linesOf("romeo").map((l) => l.text)) } catch (e) { console.log(e.name + ": " + e.message) }`, env);
  assert.match(fromData.stdout, /^DeliveryError: the dialogue did not arrive intact:\n  line 1 from romeo lacks this run's word: "She speaks:" was not read off the socket/);
  const short = inKernel(`try { d.checkDelivery("romeo", ${JSON.stringify(romeo.slice(0, 7))}) } catch (e) { console.log(e.message) }`, env);
  assert.match(short.stdout, /line 8 from romeo did not arrive/);
});

test("a malformed variable is a clear error at import", () => {
  const r = inKernel("", { [VARIANT_ENV]: '{"host":"tybalt","words":[]}' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /SOCKETS_DIALOGUE_VARIANT: host must be "romeo" or "juliet"/);
  assert.throws(() => parseVariant('{"host":"juliet","words":["a"]}'), /words must be 4 words of 6 letters for juliet's lines/);
});

test("words: fresh per run, in the line's text, and recognised on the way back", () => {
  const a = makeVariant("juliet");
  const b = makeVariant("juliet");
  assert.notDeepEqual(a.words, b.words);
  assert.equal(unsalt(salt("Deny thy father", a.words[0])), "Deny thy father");
  assert.equal(unsalt("Deny thy father"), null);
  assert.deepEqual(parseVariant(variantEnvironment(a)[VARIANT_ENV]), a);
  // A network seed gives the same words again (a replay sends the same bytes), a different seed others.
  assert.deepEqual(makeVariant("romeo", 77), makeVariant("romeo", 77));
  assert.notDeepEqual(makeVariant("romeo", 77).words, makeVariant("romeo", 78).words);
});
