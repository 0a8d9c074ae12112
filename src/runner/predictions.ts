// Predict-then-run cells, headless. A prediction cell (tag `predict-U3`) holds the student's
// guess as `const guessU3 = "?";`; the runner puts a scripted answer between the quotes, as a
// student would type it, and the step's judging cell then prints "right: ..." or "not quite: ...".
// The answer key below is what a student who understood the tutorial answers; the walkthrough
// check requires the judging cell to say "right" (so a wrong key, or a cell that judges
// wrongly, fails the run).

/** The answers a student who understood the step gives, by step id. */
export const scriptedAnswers: Readonly<Record<string, string>> = {
  // 00: what String(bytes) prints
  S3: "b",
  // 01: a second bind to a taken address; a datagram to a port where nobody listens
  U3: "b",
  U5: "a",
  // 02: connect before listen; connect before accept; recv on the listening socket
  T4: "c",
  T6: "a",
  T10: "b",
  // 02, demonstrations: three sends and one recv; a send into a full window
  T17: "b",
  T25: "b",
};

/** `const guessU3 = "?"` (any name starting with guess, single or double quotes). */
const guessDeclaration = /(\b(?:const|let)\s+guess\w*\s*(?::\s*string\s*)?=\s*)(["'])[^"'\n]*\2/;

export class PredictionError extends Error {
  override name = "PredictionError";
}

/**
 * The prediction cell's code with `answer` in place of the student's guess. Throws when the cell
 * has no guess declaration (a notebook edited so that the runner could no longer answer).
 */
export function answerPrediction(code: string, answer: string, step: string): string {
  if (!guessDeclaration.test(code)) throw new PredictionError(`step ${step}: the prediction cell has no \`const guess... = "?"\` line to answer`);
  if (!/^[\w ,.-]*$/.test(answer)) throw new PredictionError(`step ${step}: the scripted answer ${JSON.stringify(answer)} is not a plain answer`);
  return code.replace(guessDeclaration, (_, head: string, quote: string) => `${head}${quote}${answer}${quote}`);
}

/** Parses `--answer U3=a` values into a map that overrides the key. */
export function parseAnswer(text: string): [string, string] {
  const match = /^([A-Z]\d+)=(.*)$/.exec(text);
  if (!match) throw new PredictionError(`--answer ${JSON.stringify(text)}: write it as STEP=ANSWER, e.g. U3=a`);
  return [match[1], match[2]];
}
