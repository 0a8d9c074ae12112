// The balcony dialogue as a host sees it: the written lines, except that inside an exercise check
// the lines THIS host speaks carry the run's words (variant.ts). Starters and solutions use only
// these names, and behave the same with or without the checker.
import { activeVariant, variantLines } from "./variant";
import { partnerOf, writtenLinesOf, type DialogueLine, type Speaker } from "./text";

export type { DialogueLine, Speaker };
export { partnerOf };

/** The lines one host speaks, in order: with the run's words when `speaker` is this host under the checker. */
export function linesOf(speaker: Speaker): DialogueLine[] {
  return activeVariant?.host === speaker ? variantLines(activeVariant) : writtenLinesOf(speaker);
}

/** The whole dialogue, Romeo's lines first, as this host sees it (see linesOf). */
export const dialogue: readonly DialogueLine[] = Object.freeze([...linesOf("romeo"), ...linesOf("juliet")]);

/** What a host prints when it sends or receives a line; the exercise checker looks for these. */
export const SENT_PREFIX = "sent: ";
export const RECEIVED_PREFIX = "received: ";
