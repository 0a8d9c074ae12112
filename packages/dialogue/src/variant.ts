// A run's variant of the dialogue: the exercise checker gives each line a word drawn at random
// for that run ("She speaks: [k3f9x2]") and tells each host's kernel, through that kernel's own
// environment, the words of the lines THAT host speaks, and nothing about its partner's. A
// receiver therefore can print its partner's lines correctly only by reading them off the
// socket: printing them from this package gives the written text, without the words.
import { createHmac, randomBytes } from "node:crypto";
import { partnerOf, writtenLinesOf, type DialogueLine, type Speaker } from "./text";

/** The environment variable the checker sets for each host's kernel (JSON of a DialogueVariant). */
export const VARIANT_ENV = "SOCKETS_DIALOGUE_VARIANT";

export interface DialogueVariant {
  /** The host whose kernel gets this variant: the speaker of the salted lines. */
  host: Speaker;
  /** One word per line `host` speaks, in order. */
  words: string[];
}

const WORD_LENGTH = 6;
const WORD_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"; // 32 letters, none that read alike
/** How a line carries its word: " [" + word + "]" at the end. */
export const WORD_PATTERN = new RegExp(` \\[[${WORD_ALPHABET}]{${WORD_LENGTH}}\\]$`);

/** A line's text with its run word. */
export function salt(text: string, word: string): string {
  return `${text} [${word}]`;
}

/** The written text under a received line, if it carries a run word in the right form (else null). */
export function unsalt(text: string): string | null {
  return WORD_PATTERN.test(text) ? text.replace(WORD_PATTERN, "") : null;
}

const toWord = (bytes: Uint8Array) => [...bytes.subarray(0, WORD_LENGTH)].map((byte) => WORD_ALPHABET[byte % WORD_ALPHABET.length]).join("");

/**
 * The words for the lines `host` speaks in one run: fresh at random, or, given the run's network
 * seed, derived from it, so that a replay of the seed sends byte for byte the same datagrams (a
 * seeded network decides each datagram's fate from its bytes) and so meets the same fates.
 */
export function makeVariant(host: Speaker, seed?: number): DialogueVariant {
  const word = (i: number) =>
    toWord(seed === undefined ? randomBytes(WORD_LENGTH) : createHmac("sha256", "sockets-typescript balcony words").update(`${seed}/${host}/${i}`).digest());
  return { host, words: writtenLinesOf(host).map((_, i) => word(i)) };
}

/** The lines as `variant.host` speaks them in this run. */
export function variantLines(variant: DialogueVariant): DialogueLine[] {
  return writtenLinesOf(variant.host).map((line, i) => ({ ...line, text: salt(line.text, variant.words[i]) }));
}

/** The environment entry that gives one host's kernel its variant (and only its own). */
export function variantEnvironment(variant: DialogueVariant): Record<string, string> {
  return { [VARIANT_ENV]: JSON.stringify(variant) };
}

/** Reads a variant from an environment value; throws a clear error on a malformed one. */
export function parseVariant(value: string): DialogueVariant {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`${VARIANT_ENV} is not JSON: ${JSON.stringify(value.slice(0, 60))}`);
  }
  const candidate = parsed as Partial<DialogueVariant>;
  const host = candidate?.host;
  if (host !== "romeo" && host !== "juliet") throw new Error(`${VARIANT_ENV}: host must be "romeo" or "juliet"`);
  const words = candidate.words;
  const count = writtenLinesOf(host).length;
  const wordPattern = new RegExp(`^[${WORD_ALPHABET}]{${WORD_LENGTH}}$`);
  if (!Array.isArray(words) || words.length !== count || !words.every((w) => typeof w === "string" && wordPattern.test(w))) {
    throw new Error(`${VARIANT_ENV}: words must be ${count} words of ${WORD_LENGTH} letters for ${host}'s lines`);
  }
  return { host, words: [...words] };
}

/** The variant the checker gave this process (read once), or null outside a check. */
export const activeVariant: DialogueVariant | null = process.env[VARIANT_ENV] ? parseVariant(process.env[VARIANT_ENV]!) : null;

/** True inside a checked run, on either host: a partner's lines then carry words this host cannot know. */
export function underCheck(): boolean {
  return activeVariant !== null;
}

/** The host whose words this process knows (null outside a check). */
export function knownSpeaker(): Speaker | null {
  return activeVariant?.host ?? null;
}

export { partnerOf };
