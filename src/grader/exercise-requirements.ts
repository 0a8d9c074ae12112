// The balcony exercise's requirements, judged from what a pair of notebooks printed (and from
// what the packet filter saw cross the LAN): one verdict per requirement with the reasons.
// The lines compared are the run's (exercise-variant: each line carries a word only its
// speaker's kernel was told), so a receiver shows a line correctly only if it read it off the socket.
import type { HostName } from "@sockets-typescript/topology";
import { RECEIVED_PREFIX, SENT_PREFIX, partnerOf, unsalt, writtenLinesOf, type DialogueLine } from "@sockets-typescript/dialogue";
import type { TranscriptEntry } from "../session/cell-recorder";
import { writtenRunLines, type LineArrival, type RunLines } from "./lines";

export interface Verdict {
  requirement: string;
  passed: boolean;
  /** Why it failed (or, when it passed, what was seen), one sentence each. */
  details: string[];
}

export const REQUIREMENTS = {
  delivered: "the whole dialogue is delivered in both directions, byte for byte",
  printed: `each line is printed when sent ("${SENT_PREFIX}...") and when received ("${RECEIVED_PREFIX}..."), on each host`,
  noFailure: "no cell failed",
} as const;

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
const lineWord = (lines: readonly DialogueLine[]) => (lines.length === 1 ? "line" : "lines");

/** What is wrong with the lines one host showed as received, compared with what its partner spoke in this run. */
function receivedProblems(receiver: HostName, received: readonly string[], expected: readonly DialogueLine[]): string[] {
  const sender = partnerOf(receiver);
  if (received.length === expected.length && received.every((text, i) => text === expected[i].text)) return [];
  const texts = expected.map((line) => line.text);
  const written = writtenLinesOf(sender);
  const problems: string[] = [];
  // Shown without this run's word: taken from the dialogue data, not from what arrived.
  const fromData = written.filter((line) => received.includes(line.text) && !texts.includes(line.text));
  const missing = expected.filter((line) => !received.includes(line.text) && !fromData.some((d) => d.seq === line.seq));
  if (fromData.length) {
    problems.push(
      `${receiver} showed ${lineWord(fromData)} ${seqList(fromData)} from ${sender} without this run's word${fromData.length === 1 ? "" : "s"}: printed from the dialogue data, not read off the socket`,
    );
  }
  if (missing.length) problems.push(`${receiver} never showed ${lineWord(missing)} ${seqList(missing)} from ${sender}`);
  for (const text of received.filter((t) => !texts.includes(t) && !written.some((line) => line.text === t))) {
    const inside = expected.filter((line) => text.includes(line.text));
    const under = unsalt(text);
    problems.push(
      inside.length > 1
        ? `${receiver} showed lines ${seqList(inside)} run together as one: ${quote(text)} (TCP keeps no boundaries between sends: frame the lines)`
        : inside.length === 0 && expected.some((line) => line.text.includes(text))
          ? `${receiver} showed a piece of a line, not a whole line: ${quote(text)} (a recv can return part of what was sent: frame the lines)`
          : under !== null && written.some((line) => line.text === under)
            ? `${receiver} showed ${quote(text)} with a word ${sender} did not send in this run`
            : `${receiver} showed a received line that ${sender} never spoke: ${quote(text)}`,
    );
  }
  const repeated = expected.filter((line) => received.filter((t) => t === line.text).length > 1);
  if (repeated.length) problems.push(`${receiver} showed ${lineWord(repeated)} ${seqList(repeated)} more than once (duplicated datagrams must be dropped)`);
  if (problems.length === 0) problems.push(`${receiver} showed ${sender}'s lines out of order: ${received.map((t) => texts.indexOf(t) + expected[0].seq).join(", ")}`);
  return problems;
}

/** Whole dialogue delivered both ways, byte for byte: the receiver shows exactly the partner's lines, in order, and each crossed the LAN. */
function delivered(entries: readonly TranscriptEntry[], arrivals: readonly LineArrival[] | null, lines: RunLines): Verdict {
  const details = hosts.flatMap((receiver) => receivedProblems(receiver, printed(entries, receiver, RECEIVED_PREFIX), lines[partnerOf(receiver)]));
  const unseen = (arrivals ?? []).filter((arrival) => arrival.packets === 0);
  for (const receiver of hosts) {
    const lost = unseen.filter((arrival) => arrival.receiver === receiver).map((arrival) => arrival.line);
    if (lost.length) details.push(`no packet carrying ${lineWord(lost)} ${seqList(lost)} reached ${receiver} over the LAN`);
  }
  const count = lines.romeo.length + lines.juliet.length;
  return {
    requirement: REQUIREMENTS.delivered,
    passed: details.length === 0,
    details: details.length ? details : [`all ${count} lines arrived intact and in order${arrivals ? ", each seen on the LAN" : ""}`],
  };
}

/** Every line printed by its sender as sent and by its receiver as received. */
function printedBothEnds(entries: readonly TranscriptEntry[], lines: RunLines): Verdict {
  const details: string[] = [];
  for (const host of hosts) {
    const sent = printed(entries, host, SENT_PREFIX);
    const received = printed(entries, host, RECEIVED_PREFIX);
    const unsent = lines[host].filter((line) => !sent.includes(line.text));
    const unreceived = lines[partnerOf(host)].filter((line) => !received.includes(line.text));
    if (unsent.length) details.push(`${host} did not print ${lineWord(unsent)} ${seqList(unsent)} as "${SENT_PREFIX}<line>"`);
    if (unreceived.length) details.push(`${host} did not print ${lineWord(unreceived)} ${seqList(unreceived)} as "${RECEIVED_PREFIX}<line>"`);
  }
  return { requirement: REQUIREMENTS.printed, passed: details.length === 0, details: details.length ? details : ["every line printed on both ends"] };
}

/** Up to `count` lines of what a cell printed on stderr: the error as the student sees it. */
export function errorLines(entry: TranscriptEntry, count = 3): string {
  const lines = entry.stderr.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("(runner:"));
  if (lines.length === 0) return entry.status;
  return lines.slice(0, count).join(" | ") + (lines.length > count ? ` | (${lines.length - count} more lines)` : "");
}

/**
 * No cell ended in an error or ran out of time. A failure after an earlier failure on the same host
 * is marked as following from it (a cell that threw keeps none of its declarations, so the next
 * cells fail for that reason).
 */
function noCellFailed(entries: readonly TranscriptEntry[], timeoutMs: number): Verdict {
  const firstFailure = new Map<HostName, TranscriptEntry>();
  const details: string[] = [];
  for (const entry of [...entries].sort((a, b) => a.index - b.index)) {
    if (entry.status === "ok") continue;
    const earlier = firstFailure.get(entry.host);
    const what =
      entry.status === "timeout"
        ? `did not finish within ${Math.round(timeoutMs / 1000)} s`
        : /\(runner: not run, /.test(entry.stderr)
          ? `was not run (${/\(runner: not run, ([^)]*)\)/.exec(entry.stderr)![1]})`
          : `failed: ${errorLines(entry)}`;
    details.push(`${entry.host}'s cell ${entry.position} (step ${entry.step}) ${what}${earlier ? ` (follows from cell ${earlier.position}'s failure)` : ""}`);
    if (!earlier) firstFailure.set(entry.host, entry);
  }
  return { requirement: REQUIREMENTS.noFailure, passed: details.length === 0, details: details.length ? details : [`all ${entries.length} cells ran without error`] };
}

export function judgeExercise(
  entries: readonly TranscriptEntry[],
  arrivals: readonly LineArrival[] | null,
  lines: RunLines = writtenRunLines(),
  timeoutMs = 20_000,
): Verdict[] {
  const verdicts = [delivered(entries, arrivals, lines), printedBothEnds(entries, lines), noCellFailed(entries, timeoutMs)];
  // Lines not printed as received because they never arrived: say so, rather than a second cause.
  if (!verdicts[0].passed && !verdicts[1].passed) verdicts[1].details.push("(follows at least in part from the failed delivery above)");
  return verdicts;
}

/** One case's verdicts under a name (a seed, a pass). */
export interface CaseVerdicts {
  name: string;
  verdicts: Verdict[];
}

/** All cases together: a requirement is met only if met in every case; the failing cases' reasons are kept, named. */
export function combineCases(cases: readonly CaseVerdicts[]): Verdict[] {
  if (cases.length === 1) return cases[0].verdicts;
  return cases[0].verdicts.map((first, i) => {
    const failing = cases.filter((c) => !c.verdicts[i].passed);
    return {
      requirement: first.requirement,
      passed: failing.length === 0,
      details: failing.length
        ? failing.flatMap((c) => c.verdicts[i].details.map((d) => `[${c.name}] ${d}`))
        : [`${first.details[0]} (in all ${cases.length} runs: ${cases.map((c) => c.name).join(", ")})`],
    };
  });
}
