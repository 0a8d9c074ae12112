// Predict-then-run cells, headless: the runner types the scripted answer into the prediction
// cell, and the walkthrough check requires the judging cell to have said "right".
import { test } from "node:test";
import assert from "node:assert/strict";
import { PredictionError, answerPrediction, parseAnswer, scriptedAnswers } from "../src/runner/predictions";
import { checkWalkthrough } from "../src/runner/walkthrough-check";
import { basicsExpectations } from "../src/runner/walkthrough-expectations";
import type { TranscriptEntry } from "../src/session/cell-recorder";

test("the scripted answer replaces the student's guess and nothing else", () => {
  const cell = '// a) one\n// b) two\nconst guessU3: string = "?";   // type a, b or c between the quotes';
  assert.equal(answerPrediction(cell, "b", "U3"), '// a) one\n// b) two\nconst guessU3: string = "b";   // type a, b or c between the quotes');
  assert.equal(answerPrediction("let guess = 'x';", "a", "T4"), "let guess = 'a';");
});

test("a prediction cell without a guess line, or an answer that is not plain, is refused with the step named", () => {
  assert.throws(() => answerPrediction("console.log(1)", "a", "U5"), (err: Error) => err instanceof PredictionError && err.message === 'step U5: the prediction cell has no `const guess... = "?"` line to answer');
  assert.throws(() => answerPrediction('const guess = "?"', 'a"; process.exit(1); "', "U5"), /not a plain answer/);
});

test("--answer STEP=GUESS parses, anything else is refused", () => {
  assert.deepEqual(parseAnswer("U3=a"), ["U3", "a"]);
  assert.throws(() => parseAnswer("a"), /write it as STEP=ANSWER, e\.g\. U3=a/);
});

test("the key answers every prediction step the notebooks ask", () => {
  for (const step of ["S3", "U3", "U5", "T4", "T6", "T10", "T17", "T25"]) assert.match(scriptedAnswers[step], /^[a-d]$/, step);
});

const entry = (stdout: string, predict: boolean, position: number): TranscriptEntry => ({ index: position, host: "juliet", step: "S3", position, code: "", raisesException: false, waitsForPeer: false, predict, status: "ok", stdout, stderr: "", ms: 1 });
const s3 = "b'Hello' is 5 bytes\ngot b'Hello'\ndecoded: Hello\n\"Grüß dich\" is 9 characters and 11 bytes in UTF-8\n";

test("a step with a prediction passes only when its judging cell says right", () => {
  const only = basicsExpectations.filter((e) => e.step === "S3");
  assert.deepEqual(checkWalkthrough([entry("", true, 1), entry(s3, false, 2), entry("right: b. ...\nwhy: ...\n", false, 3)], only), []);
  const wrong = checkWalkthrough([entry("", true, 1), entry(s3, false, 2), entry("not quite: you said a, the answer is b.\n", false, 3)], only);
  assert.match(wrong[0].problem, /^the prediction was not judged right: not quite: you said a, the answer is b\./);
  const none = checkWalkthrough([entry("", true, 1), entry(s3, false, 2)], only);
  assert.match(none[0].problem, /no "right: \.\.\." line/);
});
