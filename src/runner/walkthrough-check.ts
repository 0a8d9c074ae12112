// Compares a walkthrough transcript with the expectations table, step by step.
import type { Expectation, Memory } from "./walkthrough-expectations";
import type { TranscriptEntry } from "../session/cell-recorder";

export interface Deviation {
  step: string;
  host: string;
  problem: string;
}

/** The first line of what a cell printed on stderr: the error as the student sees it. */
export const firstErrorLine = (entry: TranscriptEntry) => entry.stderr.trim().split("\n").find((line) => line.trim() !== "") ?? entry.status;

/** Deviations in step order; empty when every step showed what it must. */
export function checkWalkthrough(entries: readonly TranscriptEntry[], expectations: readonly Expectation[]): Deviation[] {
  const deviations: Deviation[] = [];
  const memory: Memory = new Map();
  const expected = new Set(expectations.map((e) => `${e.step}/${e.host}`));
  for (const entry of entries) {
    if (entry.step !== "setup" && !expected.has(`${entry.step}/${entry.host}`)) {
      deviations.push({ step: entry.step, host: entry.host, problem: `cell ${entry.position} belongs to no step of the walkthrough on ${entry.host}` });
    }
  }
  for (const entry of entries.filter((e) => e.step === "setup" && e.status !== "ok")) {
    deviations.push({ step: "setup", host: entry.host, problem: `setup cell ${entry.position} failed: ${firstErrorLine(entry)}` });
  }
  for (const expectation of expectations) {
    const cells = entries.filter((e) => e.step === expectation.step && e.host === expectation.host);
    const deviation = (problem: string) => deviations.push({ step: expectation.step, host: expectation.host, problem });
    if (cells.length === 0) {
      deviation(`no cell for this step in ${expectation.host}'s notebook`);
      continue;
    }
    const wrongStatus = cells.find((cell) => (cell.status === "error") !== cell.raisesException || cell.status === "timeout");
    if (wrongStatus) {
      deviation(wrongStatus.raisesException
        ? `cell ${wrongStatus.position} should fail but ${wrongStatus.status === "ok" ? "succeeded" : wrongStatus.status}`
        : `cell ${wrongStatus.position} failed: ${firstErrorLine(wrongStatus)}`);
      continue;
    }
    const text = cells.map((cell) => cell.stdout + cell.stderr).join("");
    // A step with a prediction: the judging cell must have found the scripted (correct) answer right.
    if (cells.some((cell) => cell.predict) && !/^right: /m.test(text)) {
      const said = /^(not quite|no guess yet)[^\n]*/m.exec(text)?.[0];
      deviation(`the prediction was not judged right${said ? `: ${said}` : " (no \"right: ...\" line)"}`);
      continue;
    }
    const problem = expectation.check({ text }, memory);
    if (problem) deviation(`${problem} (must show: ${expectation.shows})`);
  }
  const order = new Map(entries.map((e) => [`${e.step}/${e.host}`, e.index]));
  return deviations.sort((a, b) => (order.get(`${a.step}/${a.host}`) ?? 0) - (order.get(`${b.step}/${b.host}`) ?? 0));
}
