// npm start: the whole local lab for a student. Installs the missing system packages (root),
// brings romeo and juliet up, starts Jupyter on 127.0.0.1 with the notebooks and the two host
// kernels, prints the URL. Ctrl-C stops the server, the kernels and the lab.
import { LabError, StartError, runMain } from "./common/errors";
import { portIsFree } from "./common/free-port";
import { notebooksDir, projectJupyterDir } from "./common/paths";
import { ensureSystemPackages, missingSystemPackages } from "./common/system-packages";
import { Lab } from "./lab/lab";
import { startJupyter, type JupyterServer } from "./jupyter/server";
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

async function main(): Promise<number> {
  checkMachine();
  say("checking system packages (Jupyter Notebook, nbconvert, iproute2, ...)");
  ensureSystemPackages("inherit");

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
    say("starting Jupyter (the distribution's Notebook) with the kernels TypeScript on romeo / TypeScript on juliet");
    const port = (await portIsFree(PREFERRED_PORT)) ? PREFERRED_PORT : undefined;
    server = await startJupyter({ notebookDir: notebooksDir, lab, port, log: "inherit" });
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
      `  Start with 01-udp-juliet.ipynb and 01-udp-romeo.ipynb, side by side.\n` +
      `  A shell on a host: npm run lab:shell -- juliet   (or romeo)\n` +
      (lab.prefix === "" ? `  Your own Jupyter can use the kernels too: JUPYTER_PATH=${projectJupyterDir}\n` : "") +
      `  Ctrl-C here stops Jupyter, the kernels and the lab.\n`,
  );
  return stopped;
}

runMain("start", main);
