// A real Jupyter server on 127.0.0.1 with a token, whose kernel list is the lab's two kernelspecs:
// the distribution's Notebook 6 (the headless runner, most tests), or JupyterLab 4 / Notebook 7
// from the project's venv (scripts/tools.sh jupyter: `npm start`, the front-end browser test).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServerConnection } from "@jupyterlab/services";
import WebSocket from "ws";
import type { Lab } from "../lab/lab";
import { hostNames } from "@sockets-typescript/topology";
import { JupyterStartError } from "../common/errors";
import { kernelName, projectJupyterDir, projectRoot } from "../common/paths";
import { writeLabKernelspecs } from "./kernelspecs";
import { freePort } from "../common/free-port";

export const JUPYTER_NOTEBOOK = "/usr/bin/jupyter-notebook";

/** Which front end the server serves: Debian's Notebook 6, or the venv's JupyterLab 4 / Notebook 7. */
export type FrontEnd = "notebook6" | "lab" | "notebook7";

/**
 * The bin folder of the venv with JupyterLab 4 and Notebook 7: SOCKETS_JUPYTER_BIN (npm test sets
 * it), else <SOCKETS_TOOLS_DIR or the project's .tools>/jupyter/bin when tools.sh completed it.
 */
export function jupyterVenvBin(): string | undefined {
  const candidates = [process.env.SOCKETS_JUPYTER_BIN, join(process.env.SOCKETS_TOOLS_DIR ?? join(projectRoot, ".tools"), "jupyter", "bin")];
  return candidates.find((bin): bin is string => !!bin && existsSync(join(bin, "jupyter-lab")) && existsSync(join(bin, "jupyter-notebook")));
}

/** The program and the server options' prefix for a front end. */
function serverCommand(frontEnd: FrontEnd): { program: string; app: string } {
  if (frontEnd === "notebook6") return { program: JUPYTER_NOTEBOOK, app: "NotebookApp" };
  const bin = jupyterVenvBin();
  if (!bin) throw new JupyterStartError("ERR_JUPYTER_NO_VENV", `no JupyterLab 4 / Notebook 7 venv (SOCKETS_JUPYTER_BIN, or run: bash scripts/tools.sh jupyter)`);
  return { program: join(bin, frontEnd === "lab" ? "jupyter-lab" : "jupyter-notebook"), app: "ServerApp" };
}

/**
 * JupyterLab 4.6's debugger extension (also in Notebook 7) listens to every notebook's kernel and,
 * on each execute_reply, calls its service's displayModules(), which throws "No active debugger
 * session" (an uncaught page error per cell) unless a debug session exists; it makes one only for a
 * kernel whose kernelspec says metadata.debugger = true. tslab implements no debug protocol, so our
 * kernels say debugger: false (kernelspecs.ts) and no session is ever made: with only our kernels
 * on this server, the extension can do nothing but throw. It is disabled here, for this server
 * only (its own JUPYTER_CONFIG_DIR), the way `jupyter labextension disable` records it.
 */
function writePageConfig(configDir: string): void {
  const dir = join(configDir, "labconfig");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "page_config.json"), JSON.stringify({ disabledExtensions: { "@jupyterlab/debugger-extension": true } }, null, 2) + "\n");
}
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
/** How long a stopped server's spare kernels get to end (each ends within ~0.2 s of its server). */
const SPARES_END_MS = 5000;

/**
 * The first spare kernel of each host (src/host/spare.ts), owned by this server and started in its
 * folder: the first kernel of a notebook there is handed over, not started. Started through the
 * kernelspecs' own program (this part imports nothing of src/host): lab-launcher.js <host> --spare-for <pid>.
 */
function startSpares(lab: Lab, server: number, cwd: string, env: NodeJS.ProcessEnv): void {
  for (const host of hostNames) {
    const child = spawn(process.execPath, [join(__dirname, "..", "host", "lab-launcher.js"), host, "--spare-for", String(server)], { cwd, env, stdio: "ignore" });
    child.on("error", () => undefined);
    child.unref();
  }
}

/** The folders of a server's spares (spare.ts names them /tmp/lab-kernel-spare-<namespace>-<server pid>-<12 hex>). */
function sparesOf(server: number): string[] {
  const pattern = new RegExp(`^lab-kernel-spare-.*-${server}-[0-9a-f]{12}$`);
  return readdirSync(tmpdir()).filter((name) => pattern.test(name)).map((name) => join(tmpdir(), name));
}

/** Waits until the spares of a stopped server are gone: each ends by itself once its owner is; SIGTERM to the slow. */
async function untilSparesGone(server: number): Promise<void> {
  const deadline = Date.now() + SPARES_END_MS;
  const pids = new Set<number>();
  for (;;) {
    const left = sparesOf(server);
    for (const dir of left) {
      try {
        pids.add(Number(readFileSync(join(dir, "pid"), "utf8")));
      } catch {
        // ending, or being made
      }
    }
    const running = [...pids].filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    if ((left.length === 0 && running.length === 0) || Date.now() > deadline) return;
    if (Date.now() > deadline - SPARES_END_MS / 2) for (const pid of running) process.kill(pid, "SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface JupyterOptions {
  /** The folder the server shows (its root). */
  notebookDir: string;
  lab: Lab;
  /** Jupyter data folder for the kernelspecs; default: the project's jupyter/ for the students' lab, a temp folder for any other prefix. */
  dataDir?: string;
  port?: number;
  /** "inherit": the server's log goes to our stderr (npm start); "capture": kept for error messages. */
  log?: "inherit" | "capture";
  /** Default notebook6 (Debian's). */
  frontEnd?: FrontEnd;
  /** JupyterLab / Notebook 7: the page's application object as window.jupyterapp (for tests that read the page's own state). */
  exposeApp?: boolean;
  /**
   * Spare kernels (src/host/spare.ts): the server starts one per host at once and its kernels hand
   * over to them (a start, a restart in the time of a handover). For a person's server (npm start);
   * default false, where every kernel runs once (the runner, the grader: a spare per kernel would
   * be CPU spent for nothing): SOCKETS_KERNEL_SPARES=0 for the launchers, every kernel starts cold.
   */
  spares?: boolean;
  /** Also the server's own Python kernel (ipykernel, "python3") in the kernel list: the yardstick the speed figures compare against. */
  pythonKernel?: boolean;
  /** More kernelspecs (name -> kernel.json) in the kernel list, e.g. the profile's plain tslab (bench/profile.ts). */
  extraKernelspecs?: Record<string, object>;
}

export interface JupyterServer {
  baseUrl: string;
  token: string;
  /** The URL a person opens (with the token). */
  url: string;
  frontEnd: FrontEnd;
  settings: ServerConnection.ISettings;
  process: ChildProcess;
  /** Stops the server, which shuts its kernels down; resolves when it has exited. */
  stop(): Promise<void>;
  /** The last lines of the server's log ("capture": what it printed; "inherit": nothing kept). */
  logTail(lines: number): string;
}

/**
 * Notebook 6 speaks no kernel websocket subprotocol. @jupyterlab/services asks for one first, and
 * the refused handshake costs a reconnect (and a "Connection lost" warning) per kernel; this
 * WebSocket asks for none.
 */
class PlainWebSocket extends WebSocket {
  constructor(url: string) {
    super(url);
  }
}

export async function startJupyter(options: JupyterOptions): Promise<JupyterServer> {
  const temporary = options.dataDir === undefined && options.lab.prefix !== "";
  const dataDir = options.dataDir ?? (temporary ? mkdtempSync(join(tmpdir(), "sockets-jupyter-")) : projectJupyterDir);
  const frontEnd = options.frontEnd ?? "notebook6";
  let command: ReturnType<typeof serverCommand>;
  try {
    command = serverCommand(frontEnd);
  } catch (err) {
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const { program, app } = command;
  const spares = options.spares === true && process.env.SOCKETS_KERNEL_QUICK_START !== "0" && process.env.SOCKETS_KERNEL_SPARES !== "0";
  writeLabKernelspecs(dataDir, options.lab);
  const extra = Object.entries(options.extraKernelspecs ?? {});
  for (const [name, spec] of extra) {
    mkdirSync(join(dataDir, "kernels", name), { recursive: true });
    writeFileSync(join(dataDir, "kernels", name, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  }
  mkdirSync(join(dataDir, "runtime"), { recursive: true });
  writePageConfig(join(dataDir, "config"));
  const port = options.port ?? (await freePort());
  const token = randomBytes(24).toString("hex");
  const args = [
    "--no-browser",
    "--allow-root",
    "--ip=127.0.0.1",
    `--port=${port}`,
    `--${app}.port_retries=0`,
    `--${app}.token=${token}`,
    frontEnd === "notebook6" ? `--notebook-dir=${options.notebookDir}` : `--ServerApp.root_dir=${options.notebookDir}`,
    // Kernel websockets without Nagle's algorithm (see the file).
    ...(frontEnd === "notebook6" ? [`--config=${join(projectRoot, "src", "jupyter", "notebook_config.py")}`] : []),
    // Only the lab's TypeScript kernels in the kernel list (not the distribution's python3), unless
    // the server's own Python kernel is asked for as a yardstick.
    `--KernelSpecManager.ensure_native_kernel=${options.pythonKernel ? "True" : "False"}`,
    ...[...hostNames.map(kernelName), ...(options.pythonKernel ? ["python3"] : []), ...extra.map(([name]) => name)].map((name) => `--KernelSpecManager.allowed_kernelspecs=${name}`),
    ...(options.exposeApp && frontEnd !== "notebook6" ? [`--${frontEnd === "lab" ? "LabApp" : "JupyterNotebookApp"}.expose_app_in_browser=True`] : []),
  ];
  // Own process group: a terminal's Ctrl-C reaches us, and we stop the server without its y/n prompt.
  const child = spawn(program, args, {
    detached: true,
    // A kernel started without a notebook path gets the server's working directory.
    cwd: options.notebookDir,
    stdio: ["ignore", options.log === "inherit" ? "inherit" : "pipe", options.log === "inherit" ? "inherit" : "pipe"],
    env: {
      ...process.env,
      JUPYTER_PATH: dataDir,
      JUPYTER_RUNTIME_DIR: join(dataDir, "runtime"),
      JUPYTER_CONFIG_DIR: join(dataDir, "config"),
      ...(spares ? {} : { SOCKETS_KERNEL_SPARES: "0" }),
    },
  });
  let log = "";
  child.stdout?.on("data", (chunk) => (log += chunk));
  child.stderr?.on("data", (chunk) => (log += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("error", () => undefined);
  // Warming while the server starts (both take seconds): the first kernels are handed over.
  if (child.pid !== undefined && spares) startSpares(options.lab, child.pid, options.notebookDir, { ...process.env, SOCKETS_LAB_PREFIX: options.lab.prefix });

  const baseUrl = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    if (child.pid !== undefined) await untilSparesGone(child.pid);
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new JupyterStartError("ERR_JUPYTER_EXITED", `the Jupyter server exited at start (${program}):\n${log.trim().split("\n").slice(-15).join("\n")}`);
    }
    try {
      const reply = await fetch(`${baseUrl}api/status`, { headers: { Authorization: `token ${token}` } });
      if (reply.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new JupyterStartError("ERR_JUPYTER_TIMEOUT", `the Jupyter server did not answer within ${READY_TIMEOUT_MS / 1000} s:\n${log.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const settings = ServerConnection.makeSettings({
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}/`,
    token,
    appendToken: true,
    WebSocket: PlainWebSocket as unknown as typeof globalThis.WebSocket,
  });
  const page = frontEnd === "lab" ? "lab" : frontEnd === "notebook7" ? "tree" : "";
  const logTail = (lines: number) => log.trimEnd().split("\n").slice(-lines).join("\n");
  return { baseUrl, token, url: `${baseUrl}${page}?token=${token}`, frontEnd, settings, process: child, stop, logTail };
}
