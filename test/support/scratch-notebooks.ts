// The browser tests' copies of the notebooks, as a student has them when running the cells.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { answerPrediction, scriptedAnswers } from "../../src/runner/predictions";

/**
 * A student types a guess into each prediction cell (`const guessU3 = "?"`) before running it:
 * the scratch copies get the headless runner's answer key, so the judging cells say "right".
 */
export function answerPredictions(dir: string): void {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ipynb"))) {
    const path = join(dir, file);
    const nb = JSON.parse(readFileSync(path, "utf8")) as { cells: { cell_type: string; source: string | string[]; metadata?: { tags?: string[] } }[] };
    let changed = false;
    for (const cell of nb.cells) {
      const step = (cell.metadata?.tags ?? []).map((tag) => /^predict-([A-Z]\d+)$/.exec(tag)?.[1]).find(Boolean);
      if (cell.cell_type !== "code" || !step || scriptedAnswers[step] === undefined) continue;
      const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
      cell.source = answerPrediction(source, scriptedAnswers[step], step);
      changed = true;
    }
    if (changed) writeFileSync(path, JSON.stringify(nb, null, 1) + "\n");
  }
}

