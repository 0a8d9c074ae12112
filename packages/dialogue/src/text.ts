// The balcony dialogue's text: the one copy. Everything else (this package's views of it, the
// notebooks, the standalone programs, the exercise checker) builds on these lines.

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

/** The dialogue as written (no run's words): Romeo's lines first, then Juliet's answer. */
export const writtenDialogue: readonly DialogueLine[] = Object.freeze(
  [...romeoSpeaks.map((text) => ({ speaker: "romeo" as const, text })), ...julietSpeaks.map((text) => ({ speaker: "juliet" as const, text }))].map((line, index) =>
    Object.freeze({ seq: index + 1, ...line }),
  ),
);

/** The lines one host speaks as written, in order (whatever run this is). */
export function writtenLinesOf(speaker: Speaker): DialogueLine[] {
  return writtenDialogue.filter((line) => line.speaker === speaker);
}

/** The other host of the pair. */
export function partnerOf(speaker: Speaker): Speaker {
  return speaker === "romeo" ? "juliet" : "romeo";
}
