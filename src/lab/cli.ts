// npm run lab:up | lab:down | lab:status | lab:shell -- <host> | lab:impair -- ... ; and `exec <host> -- cmd args`.
import { spawn } from "node:child_process";
import { hostNames, hosts } from "@sockets-typescript/topology";
import { activeImpairment } from "@sockets-typescript/impair";
import { runMain } from "../common/errors";
import { Lab, LabError, LAN_INTERFACE, checkHost, checkRoot } from "./lab";
import { impairCommand } from "./impair";

const usage = `usage: node dist/src/lab/cli.js up | down | status | shell <host> | exec <host> -- <command> [args...]
       node dist/src/lab/cli.js impair --loss 20% --delay 50ms [--jitter 10ms] [--duplicate 5%] [--reorder 10%] [--seed N] [--host romeo|juliet|both] | impair --clear
  hosts: ${hostNames.join(", ")}; SOCKETS_LAB_PREFIX prefixes the namespace names (default none)`;

async function up(lab: Lab): Promise<number> {
  const started = Date.now();
  if (await lab.isUp()) {
    console.log(`lab: already up (${describeHosts(lab)})`);
    return 0;
  }
  // Ctrl-C or SIGTERM during up: let the running step finish, then roll back what was made.
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    // SOCKETS_LAB_STEP_PAUSE_MS: a pause after each step, for the test of Ctrl-C half-way.
    await lab.up((line) => console.log(`lab: ${line}`), abort.signal, Number(process.env.SOCKETS_LAB_STEP_PAUSE_MS) || 0);
  } catch (err) {
    // A terminal's Ctrl-C also hits the step's own command (ip ...), which then fails: still an interrupt (exit 130).
    if (abort.signal.aborted && !(err as Error).message.startsWith("interrupted")) throw new LabError("ERR_LAB_INTERRUPTED", `interrupted (${(err as Error).message}); what was made is removed again`);
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  console.log(`lab: up in ${Date.now() - started} ms (${describeHosts(lab)})`);
  return 0;
}

function describeHosts(lab: Lab): string {
  return hostNames.map((host) => `${host} ${hosts[host].address} in namespace ${lab.namespace(host)}`).join(", ");
}

async function status(lab: Lab): Promise<number> {
  const all = await lab.status();
  for (const s of all) {
    if (!s.present) {
      console.log(`${s.host.padEnd(7)} absent (no network namespace ${s.namespace})`);
      continue;
    }
    const link = `${s.addresses.join(", ") || "no address"} on ${LAN_INTERFACE} (${s.linkUp ? "up" : "down"})`;
    console.log(`${s.host.padEnd(7)} namespace ${s.namespace}, ${link}, ${s.pids.length} process(es) inside`);
    const impairment = await activeImpairment({ netns: s.namespace, iface: LAN_INTERFACE }).catch(() => null);
    if (impairment) console.log(`${"".padEnd(7)} impaired: ${impairment.description} (npm run lab:impair -- --clear removes it)`);
  }
  const isUp = await lab.isUp();
  console.log(isUp ? "lab: up" : all.some((s) => s.present) ? "lab: partly up (run lab:up to complete it or lab:down to remove it)" : "lab: down");
  return isUp ? 0 : 3;
}

/** Runs argv inside host with the terminal attached; returns its exit code. */
async function inHost(lab: Lab, host: string, argv: string[]): Promise<number> {
  checkHost(host);
  checkRoot(`enter ${host}`);
  if (!(await lab.isUp())) throw new LabError("ERR_LAB_NOT_UP", `the lab is not up: run npm run lab:up first`);
  const [cmd, ...args] = lab.hostArgv(host, argv);
  const child = spawn(cmd, args, { stdio: "inherit" });
  // Ctrl-C belongs to the program inside the host (it shares our terminal), not to us.
  process.on("SIGINT", () => {});
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 + 2 : 1))));
}

async function main(args: string[]): Promise<number> {
  const lab = new Lab();
  switch (args[0]) {
    case "up":
      return up(lab);
    case "down":
      // A signal half-way would leave half a lab: down finishes first (it takes about a second).
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => console.log(`lab: ${signal}: finishing lab down first`));
      await lab.down((line) => console.log(`lab: ${line}`));
      console.log("lab: down");
      return 0;
    case "status":
      return status(lab);
    case "impair":
      return impairCommand(lab, args.slice(1));
    case "shell":
      if (!args[1]) break;
      console.log(`lab: a shell on ${args[1]} (exit or Ctrl-D to leave)`);
      return inHost(lab, args[1], [process.env.SHELL && !process.env.SHELL.endsWith("/nologin") ? process.env.SHELL : "bash"]);
    case "exec": {
      const dashes = args.indexOf("--");
      const argv = dashes >= 0 ? args.slice(dashes + 1) : args.slice(2);
      if (!args[1] || argv.length === 0) break;
      return inHost(lab, args[1], argv);
    }
  }
  console.error(usage);
  return 2;
}

runMain("lab", () => main(process.argv.slice(2)));
