// The lab's kernelspecs, ts-romeo and ts-juliet, written into a Jupyter data folder of the
// project (JUPYTER_PATH points there), never into the user's or the system's.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostNames } from "@sockets-typescript/topology";
import { kernelDisplayName, kernelName } from "../common/paths";
import type { Lab } from "../lab/lab";

/** Writes <dataDir>/kernels/ts-<host>/kernel.json for both hosts; returns the folders written. */
export function writeLabKernelspecs(dataDir: string, lab: Lab): string[] {
  return hostNames.map((host) => {
    const dir = join(dataDir, "kernels", kernelName(host));
    mkdirSync(dir, { recursive: true });
    const spec = {
      argv: [process.execPath, join(__dirname, "..", "host", "lab-launcher.js"), host, "{connection_file}"],
      display_name: kernelDisplayName(host),
      language: "typescript",
      // tslab ignores interrupt_request messages; it stops a cell on SIGINT.
      interrupt_mode: "signal",
      env: { SOCKETS_LAB_PREFIX: lab.prefix },
      // tslab implements no debug protocol: JupyterLab 4 / Notebook 7 offer the debugger only to a
      // kernelspec with metadata.debugger true (server.ts disables the extension's per-cell calls).
      metadata: { debugger: false, host, runs_in: `network namespace ${lab.namespace(host)} (sockets-typescript lab)` },
    };
    writeFileSync(join(dir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
    return dir;
  });
}
