// npm run grader:gradescope -- [--out FILE] [--udp|--tcp] [--seeds N | --seed N,...] [--timeout S] [--deadline S] [--points D,P,N]
//
// Builds the autograder zip an instructor uploads to a Gradescope programming assignment: at the
// zip's root setup.sh and run_autograder (Gradescope's names), beside them the project itself
// (the files git knows, tests and benchmarks left out) and gradescope.json (points per
// requirement, seeds, timeouts, the exercise). Gradescope unpacks it as /autograder/source, runs
// setup.sh once to build its image, and run_autograder for every submission.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { projectRoot } from "../../common/paths";
import { UsageError, runMain } from "../../common/errors";
import { CONFIG_FILE, DEFAULT_CONFIG, type GradescopeConfig } from "./run";

/** Left out of the bundle: what the autograder never runs (the tests hold the hidden wrong kinds). */
const LEFT_OUT = [/^test\//, /^bench\//, /^\.ci\//, /^testbeds\//, /^start_here_/, /^profile\.py$/];
export const DEFAULT_OUT = join(projectRoot, "dist", "gradescope-autograder.zip");

export interface BundleOptions {
  out: string;
  config: GradescopeConfig;
}

const usage = "usage: npm run grader:gradescope -- [--out FILE] [--udp|--tcp] [--seeds N | --seed N[,N...]] [--timeout SECONDS] [--deadline SECONDS] [--points DELIVERED,PRINTED,NO_CELL_FAILED]";

export function parseBundleArgs(args: readonly string[]): BundleOptions {
  const config: GradescopeConfig = { ...DEFAULT_CONFIG, points: { ...DEFAULT_CONFIG.points } };
  let out = DEFAULT_OUT;
  const value = (i: number) => {
    if (args[i + 1] === undefined || args[i + 1].startsWith("--")) throw new UsageError(`${args[i]} needs a value; ${usage}`);
    return args[i + 1];
  };
  const whole = (text: string, option: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${option} needs a whole number above 0, got ${JSON.stringify(text)}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--out") out = resolve(value(i++));
    else if (arg === "--udp" || arg === "--tcp") config.protocol = arg.slice(2) as "udp" | "tcp";
    else if (arg === "--seeds") config.seeds = whole(value(i++), arg);
    else if (arg === "--seed") config.seedList = value(i++).split(",").map((s) => whole(s, arg));
    else if (arg === "--timeout") config.timeoutSeconds = whole(value(i++), arg);
    else if (arg === "--deadline") config.deadlineSeconds = whole(value(i++), arg);
    else if (arg === "--points") {
      const parts = value(i++).split(",").map(Number);
      if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n) || n < 0)) throw new UsageError(`--points needs three numbers (delivered, printed, no cell failed), e.g. 6,2,2`);
      config.points = { delivered: parts[0], printed: parts[1], no_cell_failed: parts[2] };
    } else throw new UsageError(`unknown option ${arg}\n${usage}`);
  }
  return { out, config };
}

/** The project's files as git knows them (tracked, and new files not ignored), less LEFT_OUT. */
export function bundleFiles(root = projectRoot): string[] {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  if (listed.status !== 0) throw new UsageError(`the bundle is built from a git checkout of the project: git ls-files failed in ${root}: ${listed.stderr.trim()}`);
  return [...new Set(listed.stdout.split("\0").filter(Boolean))]
    .filter((file) => !LEFT_OUT.some((pattern) => pattern.test(file)))
    .filter((file) => existsSync(join(root, file)) && statSync(join(root, file)).isFile())
    .sort();
}

/** Writes the zip; returns its size and file count. */
export function buildBundle(options: BundleOptions, root = projectRoot): { bytes: number; files: number } {
  const stage = mkdtempSync(join(tmpdir(), "gradescope-bundle-"));
  try {
    const files = bundleFiles(root);
    for (const file of files) {
      mkdirSync(dirname(join(stage, file)), { recursive: true });
      copyFileSync(join(root, file), join(stage, file));
      chmodSync(join(stage, file), statSync(join(root, file)).mode & 0o777);
    }
    for (const name of ["setup.sh", "run_autograder"]) {
      copyFileSync(join(root, "src", "grader", "gradescope", name), join(stage, name));
      chmodSync(join(stage, name), 0o755);
    }
    writeFileSync(join(stage, CONFIG_FILE), JSON.stringify(options.config, null, 2) + "\n");
    mkdirSync(dirname(options.out), { recursive: true });
    rmSync(options.out, { force: true });
    // Python's zipfile keeps each file's mode (run_autograder stays executable) and is wherever Jupyter is.
    const zipped = spawnSync("python3", ["-m", "zipfile", "-c", options.out, ...readdirSync(stage)], { cwd: stage, encoding: "utf8" });
    if (zipped.status !== 0) throw new UsageError(`could not write ${options.out}: ${zipped.stderr.trim() || zipped.error?.message}`);
    return { bytes: statSync(options.out).size, files: files.length + 3 };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runMain(
    "grader:gradescope",
    async () => {
      const options = parseBundleArgs(process.argv.slice(2));
      const { bytes, files } = buildBundle(options);
      console.log(`wrote ${options.out} (${files} files, ${(bytes / 1024).toFixed(0)} KiB): setup.sh, run_autograder, the project, ${CONFIG_FILE}`);
      console.log(`  ${options.config.protocol ? `${options.config.protocol.toUpperCase()} exercise` : "UDP or TCP, told by the notebooks"}; points ${options.config.points.delivered}/${options.config.points.printed}/${options.config.points.no_cell_failed}; ${options.config.seedList ? `seeds ${options.config.seedList.join(",")} for everyone` : `${options.config.seeds} fresh seeds`}; ${options.config.timeoutSeconds} s per cell; ${options.config.deadlineSeconds} s per submission`);
      console.log("Upload it under the assignment's Configure Autograder > Zip file upload (Ubuntu 22.04 or 24.04 base image).");
      return 0;
    },
    { failed: 2 },
  );
}
