// npm start: the whole local lab for a student. Installs the missing system packages (root),
// brings romeo and juliet up, starts Jupyter on 127.0.0.1 with the notebooks and the two host
// kernels, prints the URL. Ctrl-C stops the server, the kernels and the lab.
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { Lab, LabError } from "./lab/lab";
import { projectJupyterDir, projectRoot } from "./jupyter/kernelspecs";
import { startJupyter, type JupyterServer } from "./jupyter/server";

const PREFERRED_PORT = 8888;
const say = (line: string) => console.log(`start: ${line}`);

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/** Refuses, with what to do instead, before anything is changed. */
function checkMachine(): void {
  if (process.platform !== "linux") {
    throw new LabError(`the local lab needs Linux (network namespaces); this is ${process.platform}. Use a Linux machine or VM, or a testbed (see README).`);
  }
  if (process.getuid?.() !== 0) {
    const check = spawnSync("bash", [join(projectRoot, "scripts", "install-system-packages.sh"), "--check"], { encoding: "utf8" });
    throw new LabError(
      "npm start needs root: it creates network namespaces and installs missing system packages.\n" +
        `  Run: sudo npm start\n${check.status === 0 ? "" : check.stderr}`,
    );
  }
}

async function main(): Promise<number> {
  checkMachine();
  say("checking system packages (Jupyter Notebook, nbconvert, iproute2, ...)");
  const install = spawnSync("bash", [join(projectRoot, "scripts", "install-system-packages.sh")], { stdio: "inherit" });
  if (install.status !== 0) throw new LabError("installing the system packages failed (see above)");

  const lab = new Lab();
  let server: JupyterServer | undefined;
  let stopping = false;
  const stop = async (why: string) => {
    stopping = true;
    say(`${why}: stopping Jupyter, the kernels and the lab`);
    await server?.stop();
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
    server = await startJupyter({ notebookDir: join(projectRoot, "notebooks"), lab, port, log: "inherit" });
    if (abort.signal.aborted) throw new LabError("interrupted while starting");
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

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err instanceof LabError ? `start: ${err.message}` : err);
    process.exit(1);
  },
);
