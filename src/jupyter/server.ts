// A real Jupyter server (the distribution's Notebook 6) on 127.0.0.1 with a token, whose kernel
// list is the lab's two kernelspecs. Used by `npm start`, the headless runner and the tests.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
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
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

export interface JupyterOptions {
  /** The folder the server shows (its root). */
  notebookDir: string;
  lab: Lab;
  /** Jupyter data folder for the kernelspecs; default: the project's jupyter/ for the students' lab, a temp folder for any other prefix. */
  dataDir?: string;
  port?: number;
  /** "inherit": the server's log goes to our stderr (npm start); "capture": kept for error messages. */
  log?: "inherit" | "capture";
}

export interface JupyterServer {
  baseUrl: string;
  token: string;
  /** The URL a person opens (with the token). */
  url: string;
  settings: ServerConnection.ISettings;
  process: ChildProcess;
  /** Stops the server, which shuts its kernels down; resolves when it has exited. */
  stop(): Promise<void>;
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
  writeLabKernelspecs(dataDir, options.lab);
  mkdirSync(join(dataDir, "runtime"), { recursive: true });
  const port = options.port ?? (await freePort());
  const token = randomBytes(24).toString("hex");
  const args = [
    "--no-browser",
    "--allow-root",
    "--ip=127.0.0.1",
    `--port=${port}`,
    "--NotebookApp.port_retries=0",
    `--NotebookApp.token=${token}`,
    `--notebook-dir=${options.notebookDir}`,
    // Kernel websockets without Nagle's algorithm (see the file).
    `--config=${join(projectRoot, "src", "jupyter", "notebook_config.py")}`,
    // Only the lab's TypeScript kernels in the kernel list (not the distribution's python3).
    "--KernelSpecManager.ensure_native_kernel=False",
    ...hostNames.map((host) => `--KernelSpecManager.allowed_kernelspecs=${kernelName(host)}`),
  ];
  // Own process group: a terminal's Ctrl-C reaches us, and we stop the server without its y/n prompt.
  const child = spawn(JUPYTER_NOTEBOOK, args, {
    detached: true,
    // A kernel started without a notebook path gets the server's working directory.
    cwd: options.notebookDir,
    stdio: ["ignore", options.log === "inherit" ? "inherit" : "pipe", options.log === "inherit" ? "inherit" : "pipe"],
    env: {
      ...process.env,
      JUPYTER_PATH: dataDir,
      JUPYTER_RUNTIME_DIR: join(dataDir, "runtime"),
      JUPYTER_CONFIG_DIR: join(dataDir, "config"),
    },
  });
  let log = "";
  child.stdout?.on("data", (chunk) => (log += chunk));
  child.stderr?.on("data", (chunk) => (log += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("error", () => undefined);

  const baseUrl = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new JupyterStartError("ERR_JUPYTER_EXITED", `the Jupyter server exited at start (${JUPYTER_NOTEBOOK}):\n${log.trim().split("\n").slice(-15).join("\n")}`);
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
  return { baseUrl, token, url: `${baseUrl}?token=${token}`, settings, process: child, stop };
}
