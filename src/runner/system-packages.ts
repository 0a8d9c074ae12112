// The runner and the checker need the distribution's Jupyter, iproute2 and iptables, as npm start
// does: scripts/install-system-packages.sh installs what is missing (as root) or says what to run.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export function ensureSystemPackages(root: string, print: (line: string) => void): void {
  const result = spawnSync("bash", [join(root, "scripts", "install-system-packages.sh")], { encoding: "utf8" });
  // Ctrl-C while the script runs: no list to show (the caller's signal handler takes over).
  if (result.signal) throw Object.assign(new Error(`interrupted (${result.signal}) during the system package check`), { code: "INTERRUPTED" });
  if (result.status !== 0) throw new Error(`system packages missing:\n${(result.stderr || result.stdout || result.error?.message || "").trim()}`);
  const said = result.stdout.trim();
  if (said && !said.endsWith("all present")) print(said);
}
