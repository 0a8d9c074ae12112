// The balcony exercise's requirements, judged from what a pair of notebooks printed (and from
// what the packet filter saw cross the LAN): one verdict per requirement with the reasons.
import type { HostName } from "@sockets-typescript/topology";
import { RECEIVED_PREFIX, SENT_PREFIX, linesOf, partnerOf, type DialogueLine } from "@sockets-typescript/dialogue";
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

/** "1, 2 and 5" */
const seqList = (lines: readonly DialogueLine[]) => {
  const seqs = lines.map((line) => String(line.seq));
  return seqs.length > 1 ? `${seqs.slice(0, -1).join(", ")} and ${seqs[seqs.length - 1]}` : seqs.join("");
};

/** What is wrong with the lines one host showed as received, compared with what its partner speaks. */
function receivedProblems(receiver: HostName, received: readonly string[]): string[] {
  const sender = partnerOf(receiver);
  const expected = linesOf(sender);
  if (received.length === expected.length && received.every((text, i) => text === expected[i].text)) return [];
  const texts = expected.map((line) => line.text);
  const problems: string[] = [];
  const missing = expected.filter((line) => !received.includes(line.text));
  if (missing.length) problems.push(`${receiver} never showed ${missing.length === 1 ? "line" : "lines"} ${seqList(missing)} from ${sender}`);
  for (const text of received.filter((t) => !texts.includes(t))) {
    const inside = expected.filter((line) => text.includes(line.text));
    problems.push(
      inside.length > 1
        ? `${receiver} showed lines ${seqList(inside)} run together as one: ${quote(text)} (TCP keeps no boundaries between sends: frame the lines)`
        : `${receiver} showed a received line that ${sender} never spoke: ${quote(text)}`,
    );
  }
  const repeated = expected.filter((line) => received.filter((t) => t === line.text).length > 1);
  if (repeated.length) problems.push(`${receiver} showed line ${seqList(repeated)} more than once`);
  if (problems.length === 0) problems.push(`${receiver} showed ${sender}'s lines out of order: ${received.map((t) => texts.indexOf(t) + expected[0].seq).join(", ")}`);
  return problems;
}

/** Whole dialogue delivered both ways, byte for byte: the receiver shows exactly the partner's lines, in order, and each crossed the LAN. */
function delivered(entries: readonly TranscriptEntry[], arrivals: readonly LineArrival[] | null): Verdict {
  const details = hosts.flatMap((receiver) => receivedProblems(receiver, printed(entries, receiver, RECEIVED_PREFIX)));
  const unseen = (arrivals ?? []).filter((arrival) => arrival.packets === 0);
  for (const receiver of hosts) {
    const lines = unseen.filter((arrival) => arrival.receiver === receiver).map((arrival) => arrival.line);
    if (lines.length) details.push(`no packet carrying ${lines.length === 1 ? "line" : "lines"} ${seqList(lines)} reached ${receiver} over the LAN`);
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
    const unsent = linesOf(host).filter((line) => !sent.includes(line.text));
    const unreceived = linesOf(partnerOf(host)).filter((line) => !received.includes(line.text));
    if (unsent.length) details.push(`${host} did not print ${unsent.length === 1 ? "line" : "lines"} ${seqList(unsent)} as "${SENT_PREFIX}<line>"`);
    if (unreceived.length) details.push(`${host} did not print ${unreceived.length === 1 ? "line" : "lines"} ${seqList(unreceived)} as "${RECEIVED_PREFIX}<line>"`);
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
