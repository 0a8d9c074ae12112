// Feedback a student can act on, per requirement: what was expected, what happened (the
// verdict's reasons), what crossed the wire for the lines that went wrong (each line as its
// sender spoke it in that run, the packets that reached the receiver, the copies lost on
// purpose, what the receiver printed), and the command that replays the same runs locally
// (the same network seeds). One model for every place a grade is shown: the report of --class,
// Gradescope's results.json and GitHub Classroom's check output.
import { RECEIVED_PREFIX, SENT_PREFIX, partnerOf, writtenLinesOf } from "@sockets-typescript/dialogue";
import type { HostName } from "@sockets-typescript/topology";
import type { CaseResult, ExerciseResult } from "./check";
import { REQUIREMENTS } from "./exercise-requirements";
import { errorLines } from "./exercise-requirements";

export type RequirementKey = "delivered" | "printed" | "no_cell_failed";

/** The requirements in the order every report lists them, with the key grades.csv uses. */
export const REQUIREMENT_KEYS: readonly { key: RequirementKey; requirement: string }[] = [
  { key: "delivered", requirement: REQUIREMENTS.delivered },
  { key: "printed", requirement: REQUIREMENTS.printed },
  { key: "no_cell_failed", requirement: REQUIREMENTS.noFailure },
];

export interface RequirementFeedback {
  key: RequirementKey;
  requirement: string;
  passed: boolean;
  /** What the checker expected, in a sentence or two (the same whether it passed or not). */
  expected: string;
  /** What happened: the verdict's reasons (per run, named, when there were several). */
  happened: string[];
  /** For a failed requirement: the failing run's wire, line by line (or its failed cells). */
  wire: string[];
  /** The command that replays the same runs on the student's own machine. */
  reproduce: string;
}

export interface FeedbackOptions {
  /** The notebooks as the student names them (relative to their project), juliet's first. */
  names?: { juliet: string; romeo: string };
  /** The cell timeout the check used (ms), when it is not the default 20 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;

function expectedOf(key: RequirementKey, result: ExerciseResult): string {
  const romeo = writtenLinesOf("romeo").length;
  const juliet = writtenLinesOf("juliet").length;
  const runs =
    result.variant === "udp"
      ? result.cases.some((c) => c.plan)
        ? `in each of ${result.cases.length} run${result.cases.length === 1 ? "" : "s"} on a LAN that loses, duplicates, reorders and delays datagrams (the seeds below), and loses the first 3 datagrams of line 4 and of line 10`
        : "in a run on a clean LAN"
      : "in a run as scheduled and in a run in bursts (each host held while the other's cell runs, so lines arrive run together)";
  switch (key) {
    case "delivered":
      return `juliet prints "${RECEIVED_PREFIX}<line>" for each of romeo's ${romeo} lines and romeo for each of juliet's ${juliet}, exactly as sent (each line carries a word only its sender's kernel knows in that run: it must be read off the socket), in order, once each, ${runs}.`;
    case "printed":
      return `each host prints "${SENT_PREFIX}<line>" for every line it sends and "${RECEIVED_PREFIX}<line>" for every line it receives, ${runs}.`;
    case "no_cell_failed":
      return `every cell of both notebooks ends without an error and within the cell timeout, ${runs}.`;
  }
}

/** The runs in which requirement `index` failed. */
const failingRuns = (result: ExerciseResult, index: number): CaseResult[] => result.cases.filter((c) => c.verdicts[index] && !c.verdicts[index].passed);

const quote = (text: string, max = 90) => JSON.stringify(text.length > max ? `${text.slice(0, max - 3)}...` : text);

/** What a host printed after `prefix` in its step cells. */
function printedBy(run: CaseResult, host: HostName, prefix: string): string[] {
  return run.entries
    .filter((entry) => entry.host === host && entry.step !== "setup")
    .flatMap((entry) => entry.stdout.split("\n"))
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length));
}

/** Line by line for one run: sent as, packets that reached the receiver (lost on purpose), printed by both ends. */
function wireOf(run: CaseResult): string[] {
  const out = [`run "${run.name}"${run.plan ? ` (network seed ${run.plan.seed})` : ""}, line by line:`];
  for (const sender of ["romeo", "juliet"] as HostName[]) {
    const receiver = partnerOf(sender);
    const sent = printedBy(run, sender, SENT_PREFIX);
    const received = printedBy(run, receiver, RECEIVED_PREFIX);
    for (const line of run.lines[sender]) {
      const arrival = run.arrivals.find((a) => a.line.seq === line.seq && a.receiver === receiver);
      const shown = received.filter((text) => text === line.text).length;
      const partly = shown === 0 ? received.find((text) => text !== line.text && (text.includes(line.text) || line.text.includes(text))) : undefined;
      const wire = arrival ? `${arrival.packets} packet${arrival.packets === 1 ? "" : "s"} reached ${receiver}${arrival.dropped ? ` (${arrival.dropped} more lost on purpose)` : ""}` : "not counted on the wire";
      const printed = shown === 1 ? "printed once" : shown > 1 ? `printed ${shown} times` : partly !== undefined ? `not printed as itself; ${receiver} printed ${quote(partly)}` : "never printed";
      out.push(`  ${line.seq}. ${sender} -> ${receiver} ${quote(line.text)}: ${sent.includes(line.text) ? "sent" : "not printed as sent"}; ${wire}; ${receiver}: ${printed}`);
    }
  }
  // What the receivers printed that no sender spoke in this run (data lines, made-up words).
  for (const receiver of ["juliet", "romeo"] as HostName[]) {
    const spoken = run.lines[partnerOf(receiver)].map((line) => line.text);
    const strays = printedBy(run, receiver, RECEIVED_PREFIX).filter((text) => !spoken.includes(text) && !spoken.some((s) => s.includes(text) || text.includes(s)));
    if (strays.length) out.push(`  ${receiver} also printed, as received, ${strays.length} line${strays.length === 1 ? "" : "s"} ${partnerOf(receiver)} did not send in this run, e.g. ${quote(strays[0])}`);
  }
  return out;
}

/** The failed cells of one run, each with its first error lines. */
function cellsOf(run: CaseResult): string[] {
  const failed = run.entries.filter((entry) => entry.status !== "ok");
  return [
    `run "${run.name}"${run.plan ? ` (network seed ${run.plan.seed})` : ""}: ${failed.length} of ${run.entries.length} cells did not end well:`,
    ...failed.slice(0, 6).map((entry) => `  ${entry.host} cell ${entry.position} (step ${entry.step}): ${entry.status === "timeout" ? "still running at the cell timeout" : errorLines(entry)}`),
    ...(failed.length > 6 ? [`  (${failed.length - 6} more)`] : []),
  ];
}

/** The replay command: the same notebooks, the same seeds (UDP), the same timeout. */
export function reproduceCommand(result: ExerciseResult, options: FeedbackOptions = {}, onlySeeds?: number[]): string {
  const names = options.names ?? { juliet: result.notebooks.juliet, romeo: result.notebooks.romeo };
  const parts = ["npm run check-exercise --", names.juliet, names.romeo, `--${result.variant}`];
  const seeds = onlySeeds?.length ? onlySeeds : result.seeds;
  if (result.variant === "udp") {
    if (seeds.length) parts.push("--seed", seeds.join(","));
    else parts.push("--no-loss");
  }
  if (options.timeoutMs && options.timeoutMs !== DEFAULT_TIMEOUT_MS) parts.push("--timeout", String(Math.round(options.timeoutMs / 1000)));
  return parts.join(" ");
}

export function feedbackOf(result: ExerciseResult, options: FeedbackOptions = {}): RequirementFeedback[] {
  return REQUIREMENT_KEYS.map(({ key, requirement }, index) => {
    const verdict = result.verdicts.find((v) => v.requirement === requirement) ?? result.verdicts[index];
    const failing = failingRuns(result, index);
    const first = failing[0];
    const wire = !first ? [] : key === "no_cell_failed" ? cellsOf(first) : wireOf(first);
    const seeds = failing.flatMap((c) => (c.plan ? [c.plan.seed] : []));
    return {
      key,
      requirement,
      passed: verdict.passed,
      expected: expectedOf(key, result),
      happened: verdict.details,
      wire,
      reproduce: reproduceCommand(result, options, seeds),
    };
  });
}

/** One requirement's feedback as plain text (Gradescope's output, a check's message, the CLI). */
export function formatFeedback(feedback: RequirementFeedback): string {
  return [
    `${feedback.passed ? "PASS" : "FAIL"}: ${feedback.requirement}`,
    `Expected: ${feedback.expected}`,
    feedback.passed ? "What happened:" : "What went wrong:",
    ...feedback.happened.map((line) => `  - ${line}`),
    ...(feedback.wire.length ? ["On the wire:", ...feedback.wire.map((line) => `  ${line}`)] : []),
    `Reproduce on your machine (as root, in the project folder, your notebooks in it):`,
    `  ${feedback.reproduce}`,
  ].join("\n");
}
