// What a class grading writes: grades.csv (one row per student), report.html (each student's
// requirements with the feedback of feedback.ts: expected, what happened, the failing run's wire
// line by line, the replay command with the seeds; the transcript of a failing run) and
// grades.json (every grade whole: what --merge joins shards from).
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { ExerciseResult } from "./check";
import { REQUIREMENTS } from "./exercise-requirements";
import { formatEntry } from "../session/transcript";
import { feedbackOf } from "./feedback";

export interface Grade {
  student: string;
  protocol: "udp" | "tcp" | "?";
  verdicts: { requirement: string; passed: boolean }[];
  /** Requirements met (of 3). */
  score: number;
  seeds: number[];
  seconds: number;
  /** Why the submission could not be checked (then no verdicts). */
  error: string | null;
  result: ExerciseResult | null;
}

/** grades.json's format: a class (or one shard of it) with every grade whole. */
export const GRADES_FORMAT = "sockets-typescript-grades/1";

export interface GradesFile {
  format: typeof GRADES_FORMAT;
  /** The class folder's name. */
  class: string;
  shard: { index: number; count: number } | null;
  grades: Grade[];
}

export const CSV_COLUMNS = ["student", "protocol", "delivered", "printed", "no_cell_failed", "score", "seeds", "seconds", "error"];

const csvField = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

export function gradesCsv(grades: readonly Grade[]): string {
  const order = [REQUIREMENTS.delivered, REQUIREMENTS.printed, REQUIREMENTS.noFailure];
  const rows = grades.map((g) => {
    const verdict = (requirement: string) => {
      const v = g.verdicts.find((x) => x.requirement === requirement);
      return v ? (v.passed ? "PASS" : "FAIL") : "ERROR";
    };
    return [g.student, g.protocol, ...order.map(verdict), `${g.score}/${order.length}`, g.seeds.join(" "), g.seconds.toFixed(1), g.error ?? ""].map(csvField).join(",");
  });
  return [CSV_COLUMNS.join(","), ...rows].join("\n") + "\n";
}

const html = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function studentSection(g: Grade): string {
  const parts = [`<section id="${html(g.student)}"><h2>${html(g.student)} — ${g.protocol.toUpperCase()} — ${g.error ? "could not be checked" : `${g.score}/3`}</h2>`];
  if (g.error) {
    parts.push(`<pre class="fail">${html(g.error)}</pre></section>`);
    return parts.join("\n");
  }
  const result = g.result!;
  // Per requirement: what was expected, what happened, the wire of a failing run, how to replay it.
  const names = { juliet: basename(result.notebooks.juliet), romeo: basename(result.notebooks.romeo) };
  parts.push("<ul>");
  for (const f of feedbackOf(result, { names })) {
    parts.push(
      `<li class="${f.passed ? "pass" : "fail"}"><b>${f.passed ? "PASS" : "FAIL"}</b> ${html(f.requirement)}<ul>` +
        `<li>Expected: ${html(f.expected)}</li>${f.happened.map((d) => `<li>${html(d)}</li>`).join("")}</ul>` +
        (f.wire.length ? `<pre>On the wire:\n${html(f.wire.join("\n"))}</pre>` : "") +
        `<p>Reproduce: <code>${html(f.reproduce)}</code></p></li>`,
    );
  }
  parts.push("</ul>");
  if (g.seeds.length) parts.push(`<p>network seeds: ${g.seeds.join(", ")} (replay one with <code>--seed N</code>)</p>`);
  if (result.passed && result.cases.length) {
    const run = result.cases[0];
    parts.push(`<details><summary>transcript of the first run, ${html(run.name)} (${run.entries.length} cells)</summary><pre>${html(run.entries.map((e) => formatEntry(e, run.entries.length)).join("\n"))}</pre></details>`);
  }
  for (const run of result.cases.filter((c) => !c.passed)) {
    parts.push(`<h3>failing run: ${html(run.name)}</h3>`);
    parts.push("<table><tr><th>line</th><th>to</th><th>packets arrived</th><th>dropped on purpose</th></tr>");
    for (const a of run.arrivals) {
      parts.push(`<tr class="${a.packets === 0 ? "fail" : ""}"><td>${a.line.seq}: ${html(a.line.text)}</td><td>${a.receiver}</td><td>${a.packets}</td><td>${a.dropped}</td></tr>`);
    }
    parts.push("</table>");
    parts.push(`<details><summary>transcript (${run.entries.length} cells)</summary><pre>${html(run.entries.map((e) => formatEntry(e, run.entries.length)).join("\n"))}</pre></details>`);
  }
  parts.push("</section>");
  return parts.join("\n");
}

export function reportHtml(grades: readonly Grade[], options: { title: string }): string {
  const rows = grades
    .map((g) => `<tr><td><a href="#${html(g.student)}">${html(g.student)}</a></td><td>${g.protocol.toUpperCase()}</td><td>${g.error ? "could not be checked" : `${g.score}/3`}</td><td>${g.seeds.join(" ")}</td><td>${g.seconds.toFixed(1)} s</td></tr>`)
    .join("\n");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${html(options.title)}</title>
<style>body{font-family:sans-serif;max-width:70em;margin:auto}.pass{color:#060}.fail{color:#a00}pre{background:#f4f4f4;padding:.5em;overflow:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}</style>
</head><body><h1>${html(options.title)}</h1>
<table><tr><th>student</th><th>protocol</th><th>score</th><th>seeds</th><th>time</th></tr>
${rows}
</table>
${grades.map(studentSection).join("\n")}
</body></html>
`;
}

/** Writes grades[-shard-I-of-N].csv and report[-shard-I-of-N].html into `out` (made if missing); returns their paths. */
export function writeClassReport(out: string, grades: readonly Grade[], options: { classFolder: string; shard?: { index: number; count: number } }): { csv: string; html: string; json: string } {
  mkdirSync(out, { recursive: true });
  const shard = options.shard;
  const suffix = shard ? `-shard-${shard.index}-of-${shard.count}` : "";
  const csv = join(out, `grades${suffix}.csv`);
  const html = join(out, `report${suffix}.html`);
  writeFileSync(csv, gradesCsv(grades));
  writeFileSync(html, reportHtml(grades, { title: `balcony exercise: ${basename(options.classFolder)}${shard ? ` (shard ${shard.index}/${shard.count})` : ""}` }));
  const json = join(out, `grades${suffix}.json`);
  const file: GradesFile = { format: GRADES_FORMAT, class: basename(options.classFolder), shard: shard ?? null, grades: [...grades] };
  writeFileSync(json, JSON.stringify(file) + "\n");
  return { csv, html, json };
}
