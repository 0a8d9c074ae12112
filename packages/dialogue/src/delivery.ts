// Whether the lines a host heard are its partner's. Outside the checker: byte for byte against the
// written dialogue. Under the checker the partner's lines carry words only the partner's kernel
// knows, so here only their form can be checked (written text + one run word each, in order, none
// missing or extra); the checker itself compares the content byte for byte from both transcripts.
import { inspect } from "node:util";
import { activeVariant, unsalt } from "./variant";
import { linesOf } from "./dialogue";
import type { Speaker } from "./text";

/**
 * Compares the lines a host heard from `speaker` with what `speaker` says.
 * Returns one sentence per problem (missing, extra or altered lines); empty when intact.
 */
export function deliveryProblems(speaker: Speaker, heard: readonly string[]): string[] {
  const expected = linesOf(speaker);
  // Under the checker, the partner's words are unknown here: compare the written text under them.
  const wordsUnknown = activeVariant !== null && activeVariant.host !== speaker;
  const problems: string[] = [];
  expected.forEach((line, index) => {
    if (index >= heard.length) {
      problems.push(`line ${line.seq} from ${speaker} did not arrive: ${JSON.stringify(line.text)}`);
      return;
    }
    if (!wordsUnknown) {
      if (heard[index] !== line.text) problems.push(`line ${line.seq} from ${speaker} arrived altered: ${JSON.stringify(heard[index])} instead of ${JSON.stringify(line.text)}`);
      return;
    }
    const under = unsalt(heard[index]);
    if (under === null) {
      problems.push(
        heard[index] === line.text
          ? `line ${line.seq} from ${speaker} lacks this run's word: ${JSON.stringify(heard[index])} was not read off the socket`
          : `line ${line.seq} from ${speaker} arrived altered: ${JSON.stringify(heard[index])} (expected ${JSON.stringify(line.text)} followed by this run's word)`,
      );
    } else if (under !== line.text) {
      problems.push(`line ${line.seq} from ${speaker} arrived altered: ${JSON.stringify(heard[index])} instead of ${JSON.stringify(line.text)} + this run's word`);
    }
  });
  heard.slice(expected.length).forEach((text) => problems.push(`an extra line arrived: ${JSON.stringify(text)}`));
  return problems;
}

/**
 * The dialogue did not get through. Printed as its name and message only (in a notebook and by
 * Node), not as a stack of internals: the message already says what went wrong.
 */
export class DeliveryError extends Error {
  constructor(message: string) {
    super(message);
    const line = `DeliveryError: ${message}`;
    for (const [key, value] of [["name", "DeliveryError"], ["stack", line], [inspect.custom, () => line]] as const) {
      Object.defineProperty(this, key, { value, enumerable: false, configurable: true, writable: true });
    }
  }
}

/** Prints whether the partner's lines arrived intact; throws (failing the cell or program) if not. */
export function checkDelivery(speaker: Speaker, heard: readonly string[]): void {
  const problems = deliveryProblems(speaker, heard);
  if (problems.length > 0) throw new DeliveryError(`the dialogue did not arrive intact:\n  ${problems.join("\n  ")}`);
  const wordsUnknown = activeVariant !== null && activeVariant.host !== speaker;
  console.log(
    wordsUnknown
      ? `dialogue intact: all ${heard.length} lines from ${speaker} arrived in order, each with a run word (the checker compares the words)`
      : `dialogue intact: all ${heard.length} lines from ${speaker} arrived, byte for byte, in order`,
  );
}
