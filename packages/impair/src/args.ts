// The impairment as a person types it: --loss 20% --delay 50ms [--jitter 10ms] [--duplicate 5%]
// [--reorder 10%] [--seed N] [--direction egress|both], or --clear. Every mistake is one line in
// argparse's words ("argument --loss: ..."), so the CLI can print it and exit 2.
import { ImpairUsageError } from "./errors";

/** What to do to a link. Fractions are 0..1; times in milliseconds. */
export interface Impairment {
  loss?: number;
  delayMs?: number;
  jitterMs?: number;
  duplicate?: number;
  reorder?: number;
  /** The same seed and the same traffic give the same fates (drops, copies, order). */
  seed?: number;
  /** egress (default): packets the host sends; both: also packets it receives. */
  direction?: "egress" | "both";
}

/** Longest delay a packet may be held (the userspace stage holds packets in the kernel's queue). */
export const MAX_DELAY_MS = 10_000;

const PERCENT_FLAGS = { "--loss": "loss", "--duplicate": "duplicate", "--reorder": "reorder" } as const;
const TIME_FLAGS = { "--delay": "delayMs", "--jitter": "jitterMs" } as const;
const ALL_FLAGS = ["--loss", "--delay", "--jitter", "--duplicate", "--reorder", "--seed", "--direction", "--clear"];

/** "20%" -> 0.2. Only percentages: a bare 0.2 could mean 0.2% or 20%. */
export function parsePercent(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)%$/.exec(text.trim());
  if (!m) throw new ImpairUsageError(`argument ${flag}: expected a percentage such as 20%, got ${JSON.stringify(text)}`);
  const value = Number(m[1]);
  if (value > 100) throw new ImpairUsageError(`argument ${flag}: ${text} is more than 100%`);
  return value / 100;
}

/** "50ms" / "0.5s" / "500us" -> milliseconds. A bare number is refused (tc would read it as microseconds). */
export function parseTime(flag: string, text: string): number {
  const m = /^(-?\d+(?:\.\d+)?|-?\.\d+)(ms|s|us)$/.exec(text.trim());
  if (!m) throw new ImpairUsageError(`argument ${flag}: expected a time such as 50ms or 0.2s, got ${JSON.stringify(text)}`);
  const value = Number(m[1]) * (m[2] === "s" ? 1000 : m[2] === "us" ? 0.001 : 1);
  if (value < 0) throw new ImpairUsageError(`argument ${flag}: ${text} is negative`);
  if (value > MAX_DELAY_MS) throw new ImpairUsageError(`argument ${flag}: ${text} is more than ${MAX_DELAY_MS / 1000}s`);
  return value;
}

export function parseSeed(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) > 0xffffffff) {
    throw new ImpairUsageError(`argument --seed: expected a whole number from 0 to 4294967295, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** Parses the impairment flags (argv without the program's own flags); "clear" for --clear. */
export function parseImpairmentArgs(argv: string[]): Impairment | "clear" {
  const spec: Impairment = {};
  const seen = new Set<string>();
  let clear = false;
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value: string | undefined;
    const eq = flag.indexOf("=");
    if (flag.startsWith("--") && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    if (!ALL_FLAGS.includes(flag)) {
      throw new ImpairUsageError(flag.startsWith("-") ? `unrecognized argument: ${flag} (known: ${ALL_FLAGS.join(", ")})` : `unexpected argument: ${JSON.stringify(flag)}`);
    }
    if (seen.has(flag)) throw new ImpairUsageError(`argument ${flag}: given twice`);
    seen.add(flag);
    if (flag === "--clear") {
      if (value !== undefined) throw new ImpairUsageError(`argument --clear: takes no value`);
      clear = true;
      continue;
    }
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith("--") && ALL_FLAGS.includes(value.split("=")[0]))) {
        throw new ImpairUsageError(`argument ${flag}: expected a value`);
      }
      i++;
    }
    if (flag in PERCENT_FLAGS) spec[PERCENT_FLAGS[flag as keyof typeof PERCENT_FLAGS]] = parsePercent(flag, value);
    else if (flag in TIME_FLAGS) spec[TIME_FLAGS[flag as keyof typeof TIME_FLAGS]] = parseTime(flag, value);
    else if (flag === "--seed") spec.seed = parseSeed(value);
    else if (flag === "--direction") {
      if (value !== "egress" && value !== "both") throw new ImpairUsageError(`argument --direction: expected egress or both, got ${JSON.stringify(value)}`);
      spec.direction = value;
    }
  }
  if (clear) {
    const other = [...seen].find((f) => f !== "--clear");
    if (other) throw new ImpairUsageError(`argument --clear: not allowed with ${other}`);
    return "clear";
  }
  validateImpairment(spec);
  return spec;
}

/** Checks an Impairment given as an object (the notebook and the checker pass objects, not flags). */
export function validateImpairment(spec: Impairment): void {
  if (spec === null || typeof spec !== "object") throw new ImpairUsageError(`impairment must be an object such as { loss: 0.2, delayMs: 50 }, not ${String(spec)}`);
  const known = ["loss", "delayMs", "jitterMs", "duplicate", "reorder", "seed", "direction"];
  for (const key of Object.keys(spec)) {
    if (!known.includes(key)) throw new ImpairUsageError(`unknown impairment ${JSON.stringify(key)} (known: ${known.join(", ")})`);
  }
  for (const key of ["loss", "duplicate", "reorder"] as const) {
    const v = spec[key];
    if (v !== undefined && (typeof v !== "number" || !(v >= 0 && v <= 1))) {
      throw new ImpairUsageError(`${key} must be a fraction from 0 to 1 (0.2 = 20%), not ${JSON.stringify(v)}`);
    }
  }
  for (const key of ["delayMs", "jitterMs"] as const) {
    const v = spec[key];
    if (v !== undefined && (typeof v !== "number" || !(v >= 0 && v <= MAX_DELAY_MS))) {
      throw new ImpairUsageError(`${key} must be milliseconds from 0 to ${MAX_DELAY_MS}, not ${JSON.stringify(v)}`);
    }
  }
  if (spec.seed !== undefined && !(Number.isInteger(spec.seed) && spec.seed >= 0 && spec.seed <= 0xffffffff)) {
    throw new ImpairUsageError(`seed must be a whole number from 0 to 4294967295, not ${JSON.stringify(spec.seed)}`);
  }
  if (spec.direction !== undefined && spec.direction !== "egress" && spec.direction !== "both") {
    throw new ImpairUsageError(`direction must be "egress" or "both", not ${JSON.stringify(spec.direction)}`);
  }
  if ((spec.jitterMs ?? 0) > 0 && (spec.jitterMs ?? 0) > (spec.delayMs ?? 0)) {
    throw new ImpairUsageError(`jitter ${fmtMs(spec.jitterMs ?? 0)} is more than the delay ${fmtMs(spec.delayMs ?? 0)} (jitter varies the delay: give --delay too)`);
  }
  if (!spec.loss && !spec.delayMs && !spec.duplicate && !spec.reorder) {
    throw new ImpairUsageError(`nothing to impair: give --loss, --delay, --duplicate or --reorder (or --clear to remove an impairment)`);
  }
}

export function fmtMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000}s` : `${Number(ms.toFixed(3))}ms`;
}

export function fmtPercent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(3))}%`;
}

/** "loss 20%, delay 50ms ± 10ms, duplicate 5%, reorder 10%, seed 7" */
export function describeImpairment(spec: Impairment): string {
  const parts: string[] = [];
  if (spec.loss) parts.push(`loss ${fmtPercent(spec.loss)}`);
  if (spec.delayMs) parts.push(`delay ${fmtMs(spec.delayMs)}${spec.jitterMs ? ` ± ${fmtMs(spec.jitterMs)}` : ""}`);
  if (spec.duplicate) parts.push(`duplicate ${fmtPercent(spec.duplicate)}`);
  if (spec.reorder) parts.push(`reorder ${fmtPercent(spec.reorder)}`);
  if (spec.seed !== undefined) parts.push(`seed ${spec.seed}`);
  if (spec.direction === "both") parts.push("both directions");
  return parts.join(", ");
}
