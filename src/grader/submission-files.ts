// Finding a submission's two notebooks in what a platform hands over: Gradescope's
// /autograder/submission/ holds whatever the student uploaded (two files, a zip's folders, a
// GitHub repository), a Classroom repository holds the whole project. The notebooks are found by
// what they are (a .ipynb whose kernel is ts-juliet or ts-romeo), not by name; what is wrong is
// said with the files that were found, so a student can fix the upload.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { SubmissionError } from "./check-errors";

export interface FoundSubmission {
  /** The two notebooks (absolute paths), juliet's first. */
  notebooks: [string, string];
  /** The folder holding both (and any .ts files they import). */
  folder: string;
  /** The files found, one per line, for the student's and instructor's eyes. */
  listing: string;
}

const SKIP = new Set(["node_modules", ".ipynb_checkpoints", ".git", "dist", ".tools"]);
const MAX_FILES = 2000;

function walk(root: string): string[] {
  const files: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (files.length >= MAX_FILES) return;
      if (entry.name.startsWith(".") && entry.name !== ".") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name)) visit(path);
      } else if (entry.isFile()) files.push(path);
    }
  };
  visit(root);
  return files.sort();
}

/** ts-juliet / ts-romeo / null: the notebook's kernel, if it is one of the lab's. */
function hostKernel(path: string): "juliet" | "romeo" | null {
  try {
    const name = JSON.parse(readFileSync(path, "utf8"))?.metadata?.kernelspec?.name;
    return name === "ts-juliet" ? "juliet" : name === "ts-romeo" ? "romeo" : null;
  } catch {
    return null;
  }
}

const EXPECTED = "two notebooks: juliet's (kernel \"TypeScript on juliet\", ts-juliet) and romeo's (ts-romeo), e.g. 03-balcony-udp-juliet.ipynb and 03-balcony-udp-romeo.ipynb, saved from Jupyter (.ipynb)";

/**
 * The two notebooks under `root`. Throws SubmissionError (ERR_SUBMISSION_MISSING, _PAIR) saying
 * what was found and what is expected; a notebook with a wrong kernel is left for loadPair to
 * name (with the fix).
 */
export function findSubmission(root: string): FoundSubmission {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new SubmissionError("ERR_SUBMISSION_MISSING", `no submission folder ${root}`);
  const files = walk(root);
  const rel = (path: string) => relative(root, path);
  const listing = files.length ? files.map((f) => `  ${rel(f)} (${statSync(f).size} bytes)`).join("\n") : "  (nothing)";
  const notebooks = files.filter((f) => f.endsWith(".ipynb"));
  const near = files.filter((f) => !f.endsWith(".ipynb") && /ipynb|juliet|romeo|balcony/i.test(basename(f)) && !f.endsWith(".ts"));
  const hint = near.length ? `\n${near.map((f) => `${rel(f)} is not a notebook file (.ipynb): rename it, or download the notebook again with File > Download`).join("\n")}` : "";
  let chosen = notebooks;
  if (notebooks.length > 2) {
    // A whole project or extra copies: the ones on the lab's kernels, then the balcony ones.
    const onHosts = notebooks.filter((f) => hostKernel(f) !== null);
    const balcony = onHosts.filter((f) => /balcony/i.test(basename(f)));
    chosen = balcony.length === 2 ? balcony : onHosts.length === 2 ? onHosts : [];
    if (chosen.length === 0) {
      throw new SubmissionError("ERR_SUBMISSION_PAIR", `found ${notebooks.length} notebooks and cannot tell which two to grade; expected ${EXPECTED}. Found:\n${listing}`);
    }
  }
  if (chosen.length < 2) {
    const what = chosen.length === 0 ? "no notebook (.ipynb)" : `only one notebook (${rel(chosen[0])})`;
    throw new SubmissionError("ERR_SUBMISSION_MISSING", `found ${what}; expected ${EXPECTED}.${hint}\nFound:\n${listing}`);
  }
  const [a, b] = chosen;
  const ordered: [string, string] = hostKernel(a) === "romeo" || hostKernel(b) === "juliet" ? [b, a] : [a, b];
  if (dirname(a) !== dirname(b)) throw new SubmissionError("ERR_SUBMISSION_PAIR", `the two notebooks are in different folders (${rel(a)}, ${rel(b)}): put them side by side`);
  return { notebooks: ordered, folder: dirname(a), listing: `Found:\n${listing}\nGraded: ${rel(ordered[0])} (juliet) and ${rel(ordered[1])} (romeo)` };
}
