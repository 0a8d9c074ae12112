// npm start: the whole local lab for a student. Installs the missing system packages (root),
// brings romeo and juliet up, starts JupyterLab 4 (the front end students meet on the testbeds'
// hubs, from the project's venv: scripts/tools.sh jupyter) on 127.0.0.1 with the notebooks and the
// two host kernels, prints the URL. Where the venv cannot be had, Debian's Notebook 6, said plainly.
// Ctrl-C stops the server, the kernels and the lab.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { LabError, StartError, runMain } from "./common/errors";
import { portIsFree } from "./common/free-port";
import { notebooksDir, projectJupyterDir, projectRoot } from "./common/paths";
import { ensureSystemPackages, missingSystemPackages } from "./common/system-packages";
import { Lab } from "./lab/lab";
import { jupyterVenvBin, startJupyter, type FrontEnd, type JupyterServer } from "./jupyter/server";
import { untilHostsIdle } from "./session/lab-session";

const PREFERRED_PORT = 8888;
const say = (line: string) => console.log(`start: ${line}`);

/** Refuses, with what to do instead, before anything is changed. */
function checkMachine(): void {
  if (process.platform !== "linux") {
    throw new LabError("ERR_LAB_NOT_LINUX", `the local lab needs Linux (network namespaces); this is ${process.platform}. Use a Linux machine or VM, or a testbed (see README).`);
  }
  if (process.getuid?.() !== 0) {
    throw new StartError(
      "ERR_START_NOT_ROOT",
      `npm start needs root: it creates network namespaces and installs missing system packages.\n  Run: sudo npm start\n${missingSystemPackages()}`,
    );
  }
}

/**
 * JupyterLab 4 when the venv is there or tools.sh can make it (pip, from the configured index;
 * once, into the ignored .tools/ folder); Notebook 6 otherwise, with the reason.
 * SOCKETS_FRONTEND=notebook6|notebook7|lab chooses one.
 */
function chooseFrontEnd(): FrontEnd {
  const asked = process.env.SOCKETS_FRONTEND;
  if (asked !== undefined && asked !== "lab" && asked !== "notebook7" && asked !== "notebook6") {
    throw new StartError("ERR_START_FRONTEND", `SOCKETS_FRONTEND must be lab, notebook7 or notebook6, not ${JSON.stringify(asked)}`);
  }
  if (asked === "notebook6") return "notebook6";
  if (jupyterVenvBin()) return asked ?? "lab";
  say("installing JupyterLab 4 and Notebook 7 into the project's .tools/ (once; scripts/tools.sh jupyter)");
  const tools = spawnSync("bash", [join(projectRoot, "scripts", "tools.sh"), "jupyter"], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", timeout: 600_000 });
  if (tools.status === 0 && jupyterVenvBin()) return asked ?? "lab";
  say("JupyterLab 4 could not be installed (see above): using Debian's Notebook 6 instead (the notebooks work the same; the testbeds' hubs run JupyterLab)");
  return "notebook6";
}

async function main(): Promise<number> {
  checkMachine();
  say("checking system packages (Jupyter Notebook, nbconvert, iproute2, ...)");
  ensureSystemPackages("inherit");
  const frontEnd = chooseFrontEnd();
  const frontEndName = { lab: "JupyterLab 4", notebook7: "Notebook 7", notebook6: "the distribution's Notebook 6" }[frontEnd];

  const lab = new Lab();
  let server: JupyterServer | undefined;
  let stopping = false;
  const stop = async (why: string) => {
    stopping = true;
    say(`${why}: stopping Jupyter, the kernels and the lab`);
    await server?.stop();
    await untilHostsIdle(lab); // host-kernel removes its temp folder after the server is gone
    await lab.down((line) => say(line));
    say("stopped; nothing is left running");
  };

  // Ctrl-C or SIGTERM while starting: the step under way finishes, then everything is undone.
  const abort = new AbortController();
  const onStartSignal = () => abort.abort();
  process.on("SIGINT", onStartSignal);
  process.on("SIGTERM", onStartSignal);
  try {
    say("bringing the lab up");
    await lab.up((line) => say(`  ${line}`), abort.signal);
    say(`starting Jupyter (${frontEndName}) with the kernels TypeScript on romeo / TypeScript on juliet`);
    const port = (await portIsFree(PREFERRED_PORT)) ? PREFERRED_PORT : undefined;
    // Spare kernels: a notebook's kernel (and its restart) is handed over, not started (src/host/spare.ts).
    server = await startJupyter({ notebookDir: notebooksDir, lab, port, log: "inherit", frontEnd, spares: true });
    if (abort.signal.aborted) throw new StartError("ERR_START_INTERRUPTED", "interrupted while starting");
  } catch (err) {
    await stop(abort.signal.aborted ? "Ctrl-C" : "start failed");
    if (abort.signal.aborted) return 130;
    throw err;
  }

  const stopped = new Promise<number>((resolve) => {
    process.removeListener("SIGINT", onStartSignal);
    process.removeListener("SIGTERM", onStartSignal);
    process.on("SIGINT", () => !stopping && stop("Ctrl-C").then(() => resolve(0)));
    process.on("SIGTERM", () => !stopping && stop("terminated").then(() => resolve(0)));
    server!.process.once("exit", (code) => !stopping && stop(`Jupyter exited (code ${code})`).then(() => resolve(1)));
  });
  console.log(
    `\n  Open the notebooks: ${server.url}\n` +
      `  Start with 01-udp-juliet.ipynb and 01-udp-romeo.ipynb, side by side` +
      (frontEnd === "lab" ? ` (open both, drag one tab to the right half).\n` : `.\n`) +
      `  A shell on a host: npm run lab:shell -- juliet   (or romeo)\n` +
      (lab.prefix === "" ? `  Your own Jupyter can use the kernels too: JUPYTER_PATH=${projectJupyterDir}\n` : "") +
      `  Ctrl-C here stops Jupyter, the kernels and the lab.\n`,
  );
  return stopped;
}

runMain("start", main);
