// npm run check-exercise -- --merge <shard folder> [<shard folder> ...] --out <folder>
//
// A class graded in shards (`--class DIR --shard I/N --out shard-I/`, one CI job each) merged
// into one grades.csv, one report.html and one grades.json, as if it had been graded at once.
// Each shard writes grades[-shard-I-of-N].json beside its CSV (every grade with its verdicts,
// seeds and runs); the merge refuses what would lose or double a student silently: a shard
// missing (a matrix job that failed), one given twice, shards of different splits, a student
// in two shards.
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { SocketsError } from "../common/errors";
import { GRADES_FORMAT, gradesCsv, reportHtml, type Grade, type GradesFile } from "./grade-report";

export { GRADES_FORMAT, type GradesFile };

export class MergeError extends SocketsError<"ERR_MERGE_NO_SHARDS" | "ERR_MERGE_UNREADABLE" | "ERR_MERGE_INCOMPLETE" | "ERR_MERGE_DUPLICATE" | "ERR_MERGE_MIXED"> {}

/** The grades file(s) in a shard's folder (or the file itself). */
function gradesFilesIn(path: string): string[] {
  if (!existsSync(path)) throw new MergeError("ERR_MERGE_UNREADABLE", `${path}: no such file or folder`);
  if (statSync(path).isFile()) return [path];
  const files = readdirSync(path).filter((name) => /^grades(-shard-\d+-of-\d+)?\.json$/.test(name)).map((name) => join(path, name));
  if (files.length === 0) throw new MergeError("ERR_MERGE_UNREADABLE", `${path}: no grades*.json in it (a shard's folder is what --class ... --shard I/N --out FOLDER wrote)`);
  return files;
}

function readGradesFile(file: string): GradesFile {
  let data: GradesFile;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new MergeError("ERR_MERGE_UNREADABLE", `${file}: not JSON (${(err as Error).message})`);
  }
  if (data?.format !== GRADES_FORMAT || !Array.isArray(data.grades)) throw new MergeError("ERR_MERGE_UNREADABLE", `${file}: not a grades file of check-exercise --class (format ${GRADES_FORMAT})`);
  return data;
}

export interface Merged {
  class: string;
  count: number;
  grades: Grade[];
}

export function mergeShards(paths: readonly string[]): Merged {
  if (paths.length === 0) throw new MergeError("ERR_MERGE_NO_SHARDS", "--merge needs the shards' folders");
  const files = paths.flatMap((p) => gradesFilesIn(resolve(p)));
  const shards = files.map((file) => ({ file, data: readGradesFile(file) }));
  const counts = new Set(shards.map((s) => s.data.shard?.count ?? 1));
  const classes = new Set(shards.map((s) => s.data.class));
  if (counts.size > 1) throw new MergeError("ERR_MERGE_MIXED", `the shards come from different splits (of ${[...counts].join(" and of ")}): ${files.join(", ")}`);
  if (classes.size > 1) throw new MergeError("ERR_MERGE_MIXED", `the shards are of different classes (${[...classes].join(", ")})`);
  const count = [...counts][0];
  const seen = new Map<number, string>();
  for (const { file, data } of shards) {
    const index = data.shard?.index ?? 1;
    if (seen.has(index)) throw new MergeError("ERR_MERGE_DUPLICATE", `shard ${index}/${count} given twice: ${seen.get(index)} and ${file}`);
    seen.set(index, file);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length) throw new MergeError("ERR_MERGE_INCOMPLETE", `shard${missing.length === 1 ? "" : "s"} ${missing.map((i) => `${i}/${count}`).join(", ")} missing (did that job fail?): its students would have no grade; merge all ${count}`);
  const owner = new Map<string, number>();
  const grades: Grade[] = [];
  for (const { data } of shards) {
    for (const grade of data.grades) {
      const index = data.shard?.index ?? 1;
      if (owner.has(grade.student)) throw new MergeError("ERR_MERGE_DUPLICATE", `${grade.student} is graded in shard ${owner.get(grade.student)} and in shard ${index}`);
      owner.set(grade.student, index);
      grades.push(grade);
    }
  }
  grades.sort((a, b) => (a.student < b.student ? -1 : a.student > b.student ? 1 : 0));
  return { class: [...classes][0], count, grades };
}

/** Writes grades.csv, report.html and grades.json of the merged class into `out`; returns their paths. */
export function writeMerged(merged: Merged, out: string): string[] {
  mkdirSync(out, { recursive: true });
  const csv = join(out, "grades.csv");
  const html = join(out, "report.html");
  const json = join(out, "grades.json");
  writeFileSync(csv, gradesCsv(merged.grades));
  writeFileSync(html, reportHtml(merged.grades, { title: `balcony exercise: ${merged.class}${merged.count > 1 ? ` (${merged.count} shards merged)` : ""}` }));
  const file: GradesFile = { format: GRADES_FORMAT, class: merged.class, shard: null, grades: merged.grades };
  writeFileSync(json, JSON.stringify(file) + "\n");
  return [csv, html, json];
}
