// The balcony dialogue: the one copy of its text. The starter and solution notebooks,
// the standalone programs and the exercise checker all import it from this package.
import { inspect } from "node:util";

export type Speaker = "romeo" | "juliet";

export interface DialogueLine {
  /** Position in the whole dialogue, 1-based: what a UDP solution numbers its datagrams with. */
  seq: number;
  speaker: Speaker;
  text: string;
}

const romeoSpeaks = [
  "She speaks:",
  "O, speak again, bright angel! for thou art",
  "As glorious to this night, being o'er my head",
  "As is a winged messenger of heaven",
  "Unto the white-upturned wondering eyes",
  "Of mortals that fall back to gaze on him",
  "When he bestrides the lazy-pacing clouds",
  "And sails upon the bosom of the air.",
];

const julietSpeaks = [
  "O Romeo, Romeo! wherefore art thou Romeo?",
  "Deny thy father and refuse thy name;",
  "Or, if thou wilt not, be but sworn my love,",
  "And I'll no longer be a Capulet.",
];

/** Romeo's lines first, then Juliet's answer. */
export const dialogue: readonly DialogueLine[] = [
  ...romeoSpeaks.map((text) => ({ speaker: "romeo" as const, text })),
  ...julietSpeaks.map((text) => ({ speaker: "juliet" as const, text })),
].map((line, index) => ({ seq: index + 1, ...line }));

/** The lines one host speaks, in order. */
export function linesOf(speaker: Speaker): DialogueLine[] {
  return dialogue.filter((line) => line.speaker === speaker);
}

/** The other host of the pair. */
export function partnerOf(speaker: Speaker): Speaker {
  return speaker === "romeo" ? "juliet" : "romeo";
}

/** What a host prints when it sends or receives a line; the exercise checker looks for these. */
export const SENT_PREFIX = "sent: ";
export const RECEIVED_PREFIX = "received: ";

/**
 * Compares the lines a host heard from its partner with what the partner speaks.
 * Returns one sentence per problem (missing, extra or altered lines); empty when intact.
 */
export function deliveryProblems(speaker: Speaker, heard: readonly string[]): string[] {
  const expected = linesOf(speaker);
  const problems: string[] = [];
  expected.forEach((line, index) => {
    if (index >= heard.length) problems.push(`line ${line.seq} from ${speaker} did not arrive: ${JSON.stringify(line.text)}`);
    else if (heard[index] !== line.text) problems.push(`line ${line.seq} from ${speaker} arrived altered: ${JSON.stringify(heard[index])} instead of ${JSON.stringify(line.text)}`);
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
  console.log(`dialogue intact: all ${heard.length} lines from ${speaker} arrived, byte for byte, in order`);
}
