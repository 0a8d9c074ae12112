// Submissions that try to get the marks without the work, or to harm the grader: each is a
// reference solution with one cell replaced or added (the rest runs as a right submission would).
// What each cell tries is what a student with the checker's source could try (issue 19's list).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./lab-fixture";

const solutions = join(projectRoot, "notebooks", "solutions");

type Cell = { cell_type: string; source: string[] | string; metadata: Record<string, unknown>; outputs?: unknown[]; execution_count?: null };

const sourceOf = (cell: Cell) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source);
const codeCell = (code: string, tags: string[]): Cell => ({ cell_type: "code", source: code, metadata: { tags }, outputs: [], execution_count: null });

/**
 * The partner's lines found without receiving them, by every way a submission could once read them:
 * the checker's packet-counting rules (iptables -S in its own namespace), the partner's kernel
 * environment (/proc/<pid>/environ), the network seed on a command line (/proc/<pid>/cmdline, the
 * words follow from it by a public function). Prints them as received and how each way went.
 */
export function snoopCell(partner: "juliet" | "romeo", heardName: string): string {
  return `import * as fs from "fs";
import * as cp from "child_process";
import { makeVariant, variantLines, parseVariant, VARIANT_ENV } from "@sockets-typescript/dialogue";
const ${heardName}: string[] = [];
const clues: string[] = [];
let stolen: string[] = [];
// The real binary (iptables is a symlink through /etc/alternatives, which the sandbox does not mount).
const iptables = fs.existsSync("/usr/sbin/xtables-nft-multi") ? ["/usr/sbin/xtables-nft-multi", "iptables"] : ["/usr/sbin/iptables"];
const rules = cp.spawnSync(iptables[0], [...iptables.slice(1), "-w", "-S"], { encoding: "utf8" });
if (rules.status === 0) {
  const found = [...rules.stdout.matchAll(/--string "([^"]+ \\[[a-z0-9]{6}\\])"/g)].map((m) => m[1]);
  const partnerTexts = variantLines(makeVariant("${partner}")).map((l) => l.text.replace(/ \\[[a-z0-9]{6}\\]$/, ""));
  const mine = found.filter((text) => partnerTexts.some((p) => text.startsWith(p + " [")));
  if (mine.length) stolen = [...new Set(mine)];
  clues.push("iptables: read " + found.length + " rules with words");
} else clues.push("iptables: refused (" + String(rules.stderr || rules.error).trim().split("\\n")[0] + ")");
let readable = 0;
const pids = fs.readdirSync("/proc").filter((name) => /^\\d+$/.test(name));
for (const pid of pids) {
  try {
    const env = fs.readFileSync("/proc/" + pid + "/environ", "latin1");
    readable++;
    const m = new RegExp(VARIANT_ENV + "=([^\\\\0]+)").exec(env);
    if (m) {
      const variant = parseVariant(m[1]);
      if (variant.host === "${partner}") stolen = variantLines(variant).map((l) => l.text);
    }
  } catch {}
  try {
    const cmdline = fs.readFileSync("/proc/" + pid + "/cmdline", "utf8").split("\\0").join(" ");
    const seed = /seed[= ](\\d+)/.exec(cmdline);
    if (seed && stolen.length === 0) stolen = variantLines(makeVariant("${partner}", Number(seed[1]))).map((l) => l.text);
  } catch {}
}
clues.push("environ: " + readable + " of " + pids.length + " processes readable");
for (const text of stolen) {
  ${heardName}.push(text);
  console.log(RECEIVED_PREFIX + text);
}
console.log("snoop: " + clues.join("; ") + "; lines of ${partner} found without receiving: " + stolen.length);
`;
}

/** Reads what it should not and writes where it should not; prints each attempt's outcome. */
export function trespassCell(targets: { outFolder: string; otherStudent: string; hostTmpFile: string }): string {
  return `import * as fs from "fs";
const tries: [string, () => unknown][] = [
  ["read /etc/shadow", () => fs.readFileSync("/etc/shadow", "utf8").split("\\n")[0]],
  ["list the other submission", () => fs.readdirSync(${JSON.stringify(targets.otherStudent)}).join(",")],
  ["write next to grades.csv", () => fs.writeFileSync(${JSON.stringify(join(targets.outFolder, "planted.csv"))}, "student,score\\nme,3\\n")],
  ["write next to the notebook", () => fs.writeFileSync("planted.txt", "x")],
  ["write in /tmp", () => fs.writeFileSync(${JSON.stringify(targets.hostTmpFile)}, "x")],
];
for (const [what, attempt] of tries) {
  try {
    console.log("trespass: " + what + ": DONE " + String(attempt()).slice(0, 80));
  } catch (err) {
    console.log("trespass: " + what + ": refused (" + (err as NodeJS.ErrnoException).code + ")");
  }
}
`;
}

/** Leaves processes behind: detached, in a new session, and in a user and network namespace of their own. */
export function detachCell(marker: number): string {
  return `import * as cp from "child_process";
cp.spawn("sleep", ["${marker}"], { detached: true, stdio: "ignore" }).unref();
cp.spawn("setsid", ["sh", "-c", "sleep ${marker + 1} & sleep ${marker + 1}"], { detached: true, stdio: "ignore" }).unref();
const ns = cp.spawn("unshare", ["--user", "--map-root-user", "--net", "--fork", "sleep", "${marker + 2}"], { detached: true, stdio: ["ignore", "ignore", "pipe"] });
ns.stderr.on("data", (d) => console.log("unshare: " + String(d).trim()));
ns.unref();
await new Promise((resolve) => setTimeout(resolve, 500));
console.log("detach: started 3 processes that would outlive the kernel");
`;
}

export const forkBombCell = `import * as cp from "child_process";
try {
  cp.execSync(":(){ :|:& };:", { shell: "/bin/bash", timeout: 4000, stdio: "ignore" });
} catch (err) {
  console.log("bomb: " + (err as Error).message.split("\\n")[0]);
}
`;

export const memoryHogCell = `const hog: Buffer[] = [];
for (;;) hog.push(Buffer.alloc(128 * 1024 * 1024, 1));
`;

export const busyLoopCell = `let spins = 0;
for (;;) spins++;
`;

/** 100 MB printed in 1 MiB pieces. */
export const floodCell = `const piece = "x".repeat(1024 * 1024);
for (let i = 0; i < 100; i++) process.stdout.write(piece + "\\n");
console.log("flood: printed 100 MiB");
`;

/**
 * Writes a submission folder: the solution pair of `protocol`, with `edit` applied to `host`'s
 * notebook: replace the first code cell whose source contains `where`, or add the cell after it.
 */
export function writeSubmission(folder: string, protocol: "udp" | "tcp", host: "juliet" | "romeo", edit: { where: string; code: string; mode: "replace" | "after" }): void {
  mkdirSync(folder, { recursive: true });
  for (const side of ["juliet", "romeo"] as const) {
    const notebook = JSON.parse(readFileSync(join(solutions, `03-balcony-${protocol}-${side}.ipynb`), "utf8")) as { cells: Cell[] };
    if (side === host) {
      const at = notebook.cells.findIndex((cell) => cell.cell_type === "code" && sourceOf(cell).includes(edit.where));
      if (at < 0) throw new Error(`no cell of ${protocol} ${side} contains ${JSON.stringify(edit.where)}`);
      const tags = (notebook.cells[at].metadata.tags as string[] | undefined) ?? [];
      const cell = codeCell(edit.code, tags.filter((tag) => tag.startsWith("step-")));
      if (edit.mode === "replace") notebook.cells[at] = cell;
      else notebook.cells.splice(at + 1, 0, cell);
    }
    writeFileSync(join(folder, `${side}.ipynb`), JSON.stringify(notebook, null, 1) + "\n");
  }
  // The helper module the solution imports, if any.
  try {
    writeFileSync(join(folder, `balcony-${protocol}.ts`), readFileSync(join(solutions, `balcony-${protocol}.ts`)));
  } catch {
    // none
  }
}
