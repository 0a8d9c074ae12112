// check-exercise's command line: one pair, or a class (--class), parsed into options; a wrong
// argument is a UsageError (exit 2) naming it.
import { UsageError } from "../common/errors";
import type { ExerciseOptions, Variant } from "./check";

export const usage =
  "usage: npm run check-exercise -- <juliet notebook> <romeo notebook> [--udp|--tcp] [--seed N[,N...]] [--seeds COUNT] [--no-loss] [--json FILE] [--timeout SECONDS] [--no-sandbox]\n" +
  "       npm run check-exercise -- --class <folder> [--parallel N] [--shard I/N] [--out FOLDER] [--seeds COUNT] [--timeout SECONDS] [--no-sandbox]\n" +
  "       npm run check-exercise -- --merge <shard folder> [<shard folder>...] --out FOLDER";

export interface CliOptions extends ExerciseOptions {
  json?: string;
  classFolder?: string;
  parallel?: number;
  shard?: { index: number; count: number };
  out?: string;
  /** --merge: the shards' folders (what --class --shard I/N --out wrote). */
  merge?: string[];
}

export function parseArgs(args: readonly string[]): CliOptions {
  const files: string[] = [];
  const options: CliOptions = {};
  const value = (i: number, what: string) => {
    if (args[i + 1] === undefined || args[i + 1].startsWith("--")) throw new UsageError(`${args[i]} needs ${what}; ${usage}`);
    return args[i + 1];
  };
  const positive = (text: string, option: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${option} needs a whole number above 0, got ${JSON.stringify(text)}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--udp" || arg === "--tcp") options.variant = arg.slice(2) as Variant;
    else if (arg === "--no-loss") options.loss = false;
    else if (arg === "--no-sandbox") options.sandbox = false;
    else if (arg === "--json") options.json = value(i++, "a file name");
    else if (arg === "--timeout") options.timeoutMs = positive(value(i++, "seconds"), arg) * 1000;
    else if (arg === "--seed") options.seeds = value(i++, "a seed (or seeds, comma-separated)").split(",").map((s) => positive(s, arg));
    else if (arg === "--seeds") options.seedCount = positive(value(i++, "a count"), arg);
    else if (arg === "--class") options.classFolder = value(i++, "a folder");
    else if (arg === "--parallel") options.parallel = positive(value(i++, "a count"), arg);
    else if (arg === "--out") options.out = value(i++, "a folder");
    else if (arg === "--merge") options.merge = [];
    else if (arg === "--shard") {
      const match = /^(\d+)\/(\d+)$/.exec(value(i++, "I/N"));
      if (!match || Number(match[2]) < 1 || Number(match[1]) < 1 || Number(match[1]) > Number(match[2])) throw new UsageError(`--shard needs I/N with 1 <= I <= N, got ${JSON.stringify(args[i])}`);
      options.shard = { index: Number(match[1]), count: Number(match[2]) };
    } else if (!arg.startsWith("--")) (options.merge ?? files).push(arg);
    else throw new UsageError(`unknown option ${arg}\n${usage}`);
  }
  if (options.merge !== undefined) {
    if (options.classFolder !== undefined || files.length) throw new UsageError(`--merge joins shards' grades: give only their folders and --out\n${usage}`);
    if (options.merge.length === 0) throw new UsageError(`--merge needs the shards' folders\n${usage}`);
    if (options.out === undefined) throw new UsageError(`--merge needs --out FOLDER (where the merged grades.csv and report.html go)\n${usage}`);
  } else if (options.classFolder !== undefined) {
    if (files.length) throw new UsageError(`--class grades a folder: give no notebooks with it\n${usage}`);
  } else if (files.length !== 2) throw new UsageError(usage);
  else options.notebooks = files;
  return options;
}
