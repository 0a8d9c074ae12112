// The balcony exercise's requirements, judged from what a pair of notebooks printed (and from
// what the packet filter saw cross the LAN): one verdict per requirement with the reasons.
import type { HostName } from "@sockets-typescript/topology";
import { RECEIVED_PREFIX, SENT_PREFIX, linesOf, partnerOf } from "../../notebooks/solutions/balcony-dialogue";
import type { TranscriptEntry } from "./run-pair";
import type { LineArrival } from "./wire-watch";
import { firstErrorLine } from "./walkthrough-check";

export interface Verdict {
  requirement: string;
  passed: boolean;
  /** Why it failed (or, when it passed, what was seen), one sentence each. */
  details: string[];
}

const hosts: HostName[] = ["juliet", "romeo"];

/** The text after `prefix` on each printed line of a host's step cells (the setup cell only shows the dialogue). */
function printed(entries: readonly TranscriptEntry[], host: HostName, prefix: string): string[] {
  return entries
    .filter((entry) => entry.host === host && entry.step !== "setup")
    .flatMap((entry) => entry.stdout.split("\n"))
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length));
}

const quote = (text: string) => JSON.stringify(text.length > 70 ? `${text.slice(0, 67)}...` : text);

/** Whole dialogue delivered both ways, byte for byte: the receiver shows exactly the partner's lines, in order, and each crossed the LAN. */
function delivered(entries: readonly TranscriptEntry[], arrivals: readonly LineArrival[] | null): Verdict {
  const details: string[] = [];
  for (const receiver of hosts) {
    const sender = partnerOf(receiver);
    const expected = linesOf(sender);
    const received = printed(entries, receiver, RECEIVED_PREFIX);
    expected.forEach((line, i) => {
      if (i >= received.length) details.push(`${receiver} never showed line ${line.seq} from ${sender}: ${quote(line.text)}`);
      else if (received[i] !== line.text) details.push(`${receiver}'s received line ${i + 1} is ${quote(received[i])}, not line ${line.seq} ${quote(line.text)}`);
    });
    for (const extra of received.slice(expected.length)) details.push(`${receiver} showed an extra received line ${quote(extra)}`);
  }
  for (const arrival of arrivals ?? []) {
    if (arrival.packets === 0) details.push(`line ${arrival.line.seq} never reached ${arrival.receiver} over the LAN (no packet carried ${quote(arrival.line.text)})`);
  }
  const lines = linesOf("romeo").length + linesOf("juliet").length;
  return {
    requirement: "the whole dialogue is delivered in both directions, byte for byte",
    passed: details.length === 0,
    details: details.length ? details : [`all ${lines} lines arrived intact and in order${arrivals ? ", each seen on the LAN" : ""}`],
  };
}

/** Every line printed by its sender as sent and by its receiver as received. */
function printedBothEnds(entries: readonly TranscriptEntry[]): Verdict {
  const details: string[] = [];
  for (const host of hosts) {
    const sent = printed(entries, host, SENT_PREFIX);
    const received = printed(entries, host, RECEIVED_PREFIX);
    for (const line of linesOf(host)) if (!sent.includes(line.text)) details.push(`${host} did not print line ${line.seq} as "${SENT_PREFIX}<line>"`);
    for (const line of linesOf(partnerOf(host))) if (!received.includes(line.text)) details.push(`${host} did not print line ${line.seq} as "${RECEIVED_PREFIX}<line>"`);
  }
  return {
    requirement: `each line is printed when sent ("${SENT_PREFIX}...") and when received ("${RECEIVED_PREFIX}..."), on each host`,
    passed: details.length === 0,
    details: details.length ? details : ["every line printed on both ends"],
  };
}

/** No cell ended in an error or ran out of time. */
function noCellFailed(entries: readonly TranscriptEntry[]): Verdict {
  const details = entries
    .filter((entry) => entry.status !== "ok")
    .map((entry) => `${entry.host}'s cell ${entry.position} (step ${entry.step}) ${entry.status === "timeout" ? "did not finish" : "failed"}: ${firstErrorLine(entry)}`);
  return { requirement: "no cell failed", passed: details.length === 0, details: details.length ? details : [`all ${entries.length} cells ran without error`] };
}

export function judgeExercise(entries: readonly TranscriptEntry[], arrivals: readonly LineArrival[] | null): Verdict[] {
  return [delivered(entries, arrivals), printedBothEnds(entries), noCellFailed(entries)];
}
