// Runs a GitHub Actions workflow's jobs here, step by step in the order GitHub runs them, for the
// tests of the Classroom workflows: each `run:` step's script in bash (as GitHub's runner does:
// `bash --noprofile --norc -e`), with the job's and the step's env, $GITHUB_OUTPUT (read back
// as steps.<id>.outputs) and $GITHUB_STEP_SUMMARY. What cannot run here is a stand-in the test
// names: each `uses:` action (checkout, setup-node, the artifact actions, the reporter) and the
// steps that call GitHub's own service (gh classroom). Expressions (${{ ... }}) are resolved for
// steps.*.outputs.*, matrix.*, inputs.*, env.*; any other is an error, never silently empty.
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string | number>;
  with?: Record<string, string | number>;
}

export interface Job {
  name?: string;
  "runs-on": string;
  needs?: string | string[];
  env?: Record<string, string | number>;
  strategy?: { matrix?: Record<string, unknown[]> };
  steps: Step[];
}

export interface Workflow {
  name: string;
  env?: Record<string, string | number>;
  jobs: Record<string, Job>;
}

export const loadWorkflow = (file: string): Workflow => parse(readFileSync(file, "utf8")) as Workflow;

export interface JobContext {
  cwd: string;
  /** The runner's environment (PATH with the Node setup-node would give, ...). */
  env: NodeJS.ProcessEnv;
  matrix?: Record<string, unknown>;
  inputs?: Record<string, string>;
  /** The repository's secrets (a test's dummy values: the steps that use them are stand-ins). */
  secrets?: Record<string, string>;
  /** Stand-ins by action (the part before @) and by the name of a step that calls GitHub's service. */
  uses: Record<string, (step: Step, resolved: { env: Record<string, string>; with: Record<string, string> }) => void>;
  services?: Record<string, (step: Step) => void>;
  /** Each run step's output, as the log shows it. */
  log?: (line: string) => void;
  timeoutMs?: number;
}

export interface JobRun {
  outputs: Record<string, Record<string, string>>;
  summary: string;
  /** Names of the steps run, in order, and how (run / stand-in). */
  steps: string[];
}

/** ${{ expr }} resolved against what the job knows; anything else throws. */
export function resolve(text: string, context: { outputs: JobRun["outputs"]; matrix?: Record<string, unknown>; inputs?: Record<string, string>; secrets?: Record<string, string>; env: Record<string, string> }): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    let m: RegExpExecArray | null;
    if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr))) {
      const value = context.outputs[m[1]]?.[m[2]];
      if (value === undefined) throw new Error(`\${{ ${expr} }}: step ${m[1]} set no output ${m[2]}`);
      return value;
    }
    if ((m = /^matrix\.([\w-]+)$/.exec(expr)) && context.matrix && m[1] in context.matrix) return String(context.matrix[m[1]]);
    if ((m = /^inputs\.([\w-]+)$/.exec(expr)) && context.inputs && m[1] in context.inputs) return context.inputs[m[1]];
    if ((m = /^env\.([\w-]+)$/.exec(expr)) && m[1] in context.env) return context.env[m[1]];
    if ((m = /^secrets\.([\w-]+)$/.exec(expr)) && context.secrets && m[1] in context.secrets) return context.secrets[m[1]];
    throw new Error(`\${{ ${expr} }}: this stand-in for the runner does not know it`);
  });
}

const strings = (record: Record<string, string | number> | undefined, context: Parameters<typeof resolve>[1]) =>
  Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [k, resolve(String(v), context)]));

export function runJob(workflow: Workflow, jobId: string, context: JobContext): JobRun {
  const job = workflow.jobs[jobId];
  if (!job) throw new Error(`no job ${jobId}`);
  const files = mkdtempSync(join(tmpdir(), "workflow-"));
  const output = join(files, "output");
  const summaryFile = join(files, "summary");
  writeFileSync(summaryFile, "");
  const run: JobRun = { outputs: {}, summary: "", steps: [] };
  try {
    const base = { outputs: run.outputs, matrix: context.matrix, inputs: context.inputs, secrets: context.secrets, env: {} as Record<string, string> };
    const jobEnv = { ...strings(workflow.env, base), ...strings(job.env, { ...base, env: strings(workflow.env, base) }) };
    for (const [index, step] of job.steps.entries()) {
      const name = resolve(step.name ?? step.uses ?? step.run?.split("\n")[0] ?? `step ${index + 1}`, { ...base, env: jobEnv });
      const scope = { ...base, env: jobEnv };
      const env = { ...jobEnv, ...strings(step.env, scope) };
      if (step.uses) {
        const action = step.uses.split("@")[0];
        const standIn = context.uses[action];
        if (!standIn) throw new Error(`${jobId}: step "${name}" uses ${step.uses}, for which the test has no stand-in`);
        standIn(step, { env, with: strings(step.with, scope) });
        run.steps.push(`${name} (stand-in for ${step.uses})`);
        continue;
      }
      if (!step.run) throw new Error(`${jobId}: step "${name}" neither runs nor uses anything`);
      const service = context.services?.[name];
      if (service) {
        service(step);
        run.steps.push(`${name} (stand-in for GitHub's service)`);
        continue;
      }
      writeFileSync(output, "");
      const result = spawnSync("bash", ["--noprofile", "--norc", "-e", "-c", resolve(step.run, scope)], {
        cwd: context.cwd,
        env: { ...context.env, ...env, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_ACTIONS: "true", CI: "true" },
        encoding: "utf8",
        timeout: context.timeoutMs ?? 600_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      context.log?.(`--- ${jobId} / ${name}: exit ${result.status}\n${result.stdout}${result.stderr}`);
      if (result.status !== 0) throw new Error(`${jobId}: step "${name}" failed (exit ${result.status ?? result.signal}):\n${(result.stdout + result.stderr).slice(-4000)}`);
      if (step.id) {
        const outputs: Record<string, string> = {};
        for (const line of readFileSync(output, "utf8").split("\n")) {
          const at = line.indexOf("=");
          if (at > 0) outputs[line.slice(0, at)] = line.slice(at + 1);
        }
        run.outputs[step.id] = outputs;
      }
      run.steps.push(name);
    }
    run.summary = existsSync(summaryFile) ? readFileSync(summaryFile, "utf8") : "";
    return run;
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
}

/** Appends to a log file (the tests keep the steps' output for a failure's message). */
export const logTo = (file: string) => (line: string) => appendFileSync(file, line + "\n");
