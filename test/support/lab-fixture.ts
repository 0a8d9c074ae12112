// What the lab's tests share: a root check, a lab with a test prefix, running code in a host.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import type { HostName } from "@sockets-typescript/topology";
import { projectRoot } from "../../src/common/paths";
import { Lab } from "../../src/lab/lab";

export { projectRoot };
export const isRoot = process.getuid?.() === 0 && process.platform === "linux";
/** For `test(name, { skip: needsRoot }, ...)`: the lab needs root (namespaces, veth). */
export const needsRoot = isRoot ? false : "needs root (network namespaces); CI runs as root";

/** A lab whose namespaces carry a test prefix, so a student's lab on the same machine is untouched. */
export function testLab(prefix: string): Lab {
  return new Lab({ prefix });
}

export function namespaces(): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.split(" ")[0])
    .filter(Boolean);
}

/** Runs a JavaScript snippet with node inside host (cwd = project, so the workspace modules resolve). */
export function nodeInHost(lab: Lab, host: HostName, code: string): { stdout: string; stderr: string; status: number | null } {
  const [cmd, ...args] = lab.hostArgv(host, [process.execPath, "-e", code]);
  const result = spawnSync(cmd, args, { cwd: projectRoot, encoding: "utf8", timeout: 20_000 });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

/** Starts a long-running snippet inside host; resolves with the process once it printed `readyLine`. */
export function startInHost(lab: Lab, host: HostName, code: string, readyLine: string) {
  const [cmd, ...args] = lab.hostArgv(host, [process.execPath, "-e", code]);
  const child = spawn(cmd, args, { cwd: projectRoot, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes(readyLine)) resolve();
    });
    child.stderr.on("data", (chunk) => (out += chunk));
    child.on("exit", () => reject(new Error(`exited before "${readyLine}": ${out}`)));
  });
  return { child, ready, output: () => out };
}
