// The Gradescope autograder end to end, in a simulated /autograder (a temp folder, $AUTOGRADER_ROOT):
// the zip `npm run grader:gradescope` builds, unpacked as Gradescope does (unzip), its setup.sh
// run (Node 24, npm ci, build in the unpacked project), then run_autograder per submission: the
// reference solution gets full marks, each hidden wrong kind (test/fixtures/balcony-*) the score
// it deserves, on the same network seed as the checker's tests; every results.json passes the flow
// check of Gradescope's format. Without privilege (a non-root user without capabilities, and root
// without capabilities as in a default Docker container) nothing is passed that was not checked.
// Wrong uploads, the deadline and a grader that crashes still leave a results.json. Needs root.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { checkResults, type GradescopeResults } from "../src/grader/gradescope/results";
import { isRoot, namespaces as allNamespaces, needsRoot, projectRoot } from "./support/lab-fixture";

const SEED = 271828;
const solutions = join(projectRoot, "notebooks", "solutions");
const fixtures = join(projectRoot, "test", "fixtures");
/** A uid no account has: the throwaway "user" of the unprivileged rehearsal (nothing to remove afterwards). */
const NOBODY_UID = 64123;
let dir = "";
let source = "";
/** This test's labs (other developers' and tests' labs come and go meanwhile). */
const namespaces = () => allNamespaces().filter((ns) => ns.startsWith("pf"));

before(() => {
  if (!isRoot) return;
  dir = mkdtempSync(join(tmpdir(), "gradescope-"));
  chmodSync(dir, 0o755); // the unprivileged rehearsal reads the project through it
  const zip = join(dir, "autograder.zip");
  const built = spawnSync(process.execPath, [join(projectRoot, "dist", "src", "grader", "gradescope", "bundle.js"), "--out", zip, "--seed", String(SEED), "--timeout", "6"], { encoding: "utf8" });
  assert.equal(built.status, 0, built.stdout + built.stderr);
  source = join(dir, "source");
  mkdirSync(source);
  const unzipped = spawnSync("unzip", ["-q", zip, "-d", source], { encoding: "utf8" });
  assert.equal(unzipped.status, 0, unzipped.stderr);
  const t0 = Date.now();
  // Node 24 comes from the project's tools folder when it has one (npm test installs it there), else the npm registry.
  const setup = spawnSync("bash", [join(source, "setup.sh")], { encoding: "utf8", env: { ...process.env, SOCKETS_TOOLS_DIR: process.env.SOCKETS_TOOLS_DIR ?? join(projectRoot, ".tools") }, timeout: 600_000 });
  assert.equal(setup.status, 0, setup.stdout + setup.stderr);
  assert.match(setup.stdout, /setup\.sh: done/);
  console.log(`# setup.sh: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Graded {
  results: GradescopeResults;
  stdout: string;
  seconds: number;
}

let labs = 0;
/** One Gradescope run: /autograder/submission holds `files` ([from, name]); run_autograder as `as` would. */
function runAutograder(name: string, files: [string, string][], options: { setpriv?: string[]; env?: NodeJS.ProcessEnv; during?: (child: ReturnType<typeof spawn>) => void } = {}): Promise<Graded> {
  const root = join(dir, name);
  mkdirSync(join(root, "submission"), { recursive: true });
  mkdirSync(join(root, "results"), { recursive: true });
  for (const [from, to] of files) {
    mkdirSync(dirname(join(root, "submission", to)), { recursive: true });
    copyFileSync(from, join(root, "submission", to));
  }
  copyFileSync(join(source, "run_autograder"), join(root, "run_autograder"));
  chmodSync(root, 0o755);
  if (options.setpriv?.includes("--reuid")) chownSync(join(root, "results"), NOBODY_UID, NOBODY_UID);
  const argv = [...(options.setpriv ? ["setpriv", ...options.setpriv] : []), join(root, "run_autograder")];
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: root,
      env: { ...process.env, AUTOGRADER_ROOT: root, GRADER_PROJECT: source, SOCKETS_LAB_PREFIX: `pf${++labs % 10}-`, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stdout += chunk));
    options.during?.(child);
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("exit", (status) => {
      clearTimeout(timer);
      if (status !== 0) return reject(new Error(`run_autograder exited ${status}:\n${stdout}`));
      const results = JSON.parse(readFileSync(join(root, "results", "results.json"), "utf8")) as GradescopeResults;
      assert.deepEqual(checkResults(results), [], `${name}: results.json against Gradescope's format`);
      resolve({ results, stdout, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

const pairOf = (folder: string, stem: string): [string, string][] => ["juliet", "romeo"].map((host) => [join(folder, `${stem}-${host}.ipynb`), `${stem}-${host}.ipynb`] as [string, string]);
const scores = (r: GradescopeResults) => r.tests.slice(1).map((t) => t.score);

/** The hidden wrong kinds and what each deserves (delivered, printed, no cell failed) on seed 271828 with 6 s cells. */
const WRONG: Record<string, number[]> = {
  "balcony-tcp-norecv": [0, 0, 1],
  "balcony-tcp-partial": [0, 0, 1],
  "balcony-tcp-unframed": [0, 0, 1],
  "balcony-tcp-unframed-tagged": [0, 0, 0],
  "balcony-udp-nodedup": [0, 1, 1],
  "balcony-udp-tier-a": [0, 0, 0],
  "balcony-udp-twice": [0, 0, 1],
  "balcony-udp-unreliable": [0, 0, 0],
};

test("run_autograder: the reference gets full marks, each hidden wrong kind its score, with feedback to act on", { skip: needsRoot }, async (t) => {
  const nsBefore = namespaces();
  const jobs: [string, [string, string][], number[]][] = [["right-udp", pairOf(solutions, "03-balcony-udp"), [1, 1, 1]], ...Object.entries(WRONG).map(([stem, want]) => [stem, pairOf(fixtures, stem), want] as [string, [string, string][], number[]])];
  const graded = new Map<string, Graded>();
  // Two at a time (the machine's cores), each in a lab of its own prefix.
  let next = 0;
  await Promise.all([0, 1].map(async () => {
    while (next < jobs.length) {
      const [name, files] = jobs[next++];
      graded.set(name, await runAutograder(name, files));
    }
  }));
  for (const [name, , want] of jobs) {
    const { results, seconds } = graded.get(name)!;
    t.diagnostic(`${name}: ${results.score}/3 in ${seconds.toFixed(1)} s through run_autograder`);
    assert.deepEqual(scores(results), want, `${name}: ${results.output}\n${results.tests.map((x) => x.output).join("\n")}`);
    assert.equal(results.score, want.reduce((a, b) => a + b, 0));
    assert.equal(results.tests[0].status, "passed");
    assert.ok(results.execution_time > 0);
    for (const test of results.tests.slice(1)) {
      assert.equal(test.status, test.score > 0 ? "passed" : "failed");
      assert.match(test.output, /^Expected: /m);
      // The replay: the student's own file names, the protocol, the seed (UDP) and the cell timeout.
      assert.match(test.output, new RegExp(`npm run check-exercise -- ${name === "right-udp" ? "03-balcony-udp" : name}-juliet\\.ipynb ${name === "right-udp" ? "03-balcony-udp" : name}-romeo\\.ipynb --(udp --seed ${SEED}|tcp) --timeout 6$`, "m"));
    }
  }
  const right = graded.get("right-udp")!.results;
  assert.match(right.output, /^Balcony exercise over UDP: 3 of 3 requirements met \(3\/3 points\)\./);
  assert.match(right.tests[1].output, /all 12 lines arrived intact and in order, each seen on the LAN/);
  // What went wrong, on the wire, line by line: the TCP receiver that prints lines it never read.
  const norecv = graded.get("balcony-tcp-norecv")!.results.tests[1].output;
  assert.match(norecv, /juliet showed lines 1, 2, 3, 4, 5, 6, 7 and 8 from romeo without this run's words: printed from the dialogue data/);
  assert.match(norecv, /^On the wire:\n {2}run "as scheduled", line by line:\n {4}1\. romeo -> juliet "[^"]+ \[[a-z0-9]{6}\]": sent; \d+ packets? reached juliet; juliet: not printed as itself; juliet printed "[^"]+"/m);
  // The UDP sender that sends each line twice: the lines lost on purpose, and what arrived of them.
  const twice = graded.get("balcony-udp-twice")!.results.tests[1].output;
  assert.match(twice, /run "seed 271828" \(network seed 271828\), line by line:/);
  assert.match(twice, /^ {4}4\. romeo -> juliet "[^"]+": sent; 0 packets reached juliet \(\d+ more lost on purpose\); juliet: never printed$/m);
  assert.match(graded.get("balcony-tcp-unframed-tagged")!.results.tests[3].output, /still running at the cell timeout/);
  // Nothing of any grade is left: labs, copies of the submissions in the project.
  assert.deepEqual(namespaces(), nsBefore);
  assert.deepEqual(readdirSync(source).filter((n) => n.startsWith(".grading-")), []);
});

test("without privilege nothing unchecked is passed: a non-root user, and root without capabilities", { skip: needsRoot }, async () => {
  const files = pairOf(solutions, "03-balcony-udp");
  const user = await runAutograder("unprivileged-user", files, { setpriv: ["--reuid", String(NOBODY_UID), "--regid", String(NOBODY_UID), "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"] });
  const capless = await runAutograder("root-without-caps", files, { setpriv: ["--inh-caps=-all", "--bounding-set=-all"] });
  for (const [results, why] of [[user.results, /the grader runs as uid 64123, not root/], [capless.results, /this machine does not let the grader make the lab's network namespaces \(ip netns add .* failed/]] as const) {
    assert.equal(results.score, 0);
    assert.equal(results.tests[0].status, "passed", "the notebooks were found and read");
    assert.deepEqual(results.tests.slice(1).map((t) => [t.score, t.max_score, t.status]), [[0, 1, "failed"], [0, 1, "failed"], [0, 1, "failed"]]);
    for (const test of results.tests.slice(1)) assert.match(test.name, / \(not checked here\)$/);
    assert.match(results.output, /^NOT CHECKED: /);
    assert.match(results.output, why);
    assert.match(results.output, /none was run, none is passed/);
  }
});

test("a wrong upload, the deadline and a crashed grader each still leave a results.json that says so", { skip: needsRoot }, async () => {
  const nsBefore = namespaces();
  const [juliet, romeo] = pairOf(solutions, "03-balcony-tcp");
  const wrongName = await runAutograder("wrong-name", [[juliet[0], "03-balcony-tcp-juliet.ipynb.txt"], romeo]);
  assert.equal(wrongName.results.tests[0].status, "failed");
  assert.match(wrongName.results.output, /^Not graded: found only one notebook \(03-balcony-tcp-romeo\.ipynb\); expected two notebooks/);
  assert.match(wrongName.results.output, /03-balcony-tcp-juliet\.ipynb\.txt is not a notebook file \(\.ipynb\): rename it/);
  const missing = await runAutograder("missing", []);
  assert.match(missing.results.output, /^Not graded: found no notebook \(\.ipynb\)/);
  const config = join(dir, "deadline.json");
  writeFileSync(config, JSON.stringify({ deadlineSeconds: 4, timeoutSeconds: 6 }));
  const late = await runAutograder("deadline", [juliet, romeo], { env: { GRADER_CONFIG: config } });
  assert.match(late.results.output, /^Not graded: the grade took longer than the autograder's 4 s/);
  assert.deepEqual(scores(late.results), [0, 0, 0]);
  assert.ok(late.seconds < 60, `the deadline stopped it: ${late.seconds} s`);
  // A grader that dies of a signal (here SIGABRT, as a native crash would) before it writes its grade.
  const crash = join(dir, "crash.js");
  writeFileSync(crash, "if (process.argv[1]?.endsWith('run.js')) setImmediate(() => process.abort());\n");
  const crashed = await runAutograder("crash", [juliet, romeo], { env: { NODE_OPTIONS: `--require ${crash}` } });
  assert.equal(crashed.results.score, 0);
  assert.match(crashed.results.output, /^Not graded: the grader failed \(exit status 134\)/);
  assert.match(crashed.stdout, /run_autograder: the grader failed \(exit status 134\)/);
  // What the dead grader had begun (the privilege probe's namespace, the copy) run_autograder removed.
  assert.deepEqual(namespaces(), nsBefore);
  assert.deepEqual(readdirSync(source).filter((n) => n.startsWith(".grading-")), []);
  assert.ok(!existsSync(join(dir, "deadline", "results", "results.json.partial")));
});
