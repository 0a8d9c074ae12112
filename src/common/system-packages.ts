// The distribution's packages the lab needs (Jupyter, iproute2, iptables, ...), through the one
// script that knows them: scripts/install-system-packages.sh installs what is missing (as root)
// or, with --check or without root, says what to run. npm start and the runners call it here.
import { spawnSync } from "node:child_process";
import { SystemPackagesError } from "./errors";
import { installScript } from "./paths";

/**
 * Installs what is missing; the script's lines go to `print` (or straight to the terminal: "inherit").
 * `grader`: only what grading needs (--grader: no browser, no sshd), as on a CI runner whose
 * distribution names some of the others differently (Ubuntu has no chromium package).
 */
export function ensureSystemPackages(print: ((line: string) => void) | "inherit", options: { grader?: boolean } = {}): void {
  const args = [installScript, ...(options.grader ? ["--grader"] : [])];
  if (print === "inherit") {
    const result = spawnSync("bash", args, { stdio: "inherit" });
    if (result.status !== 0) throw new SystemPackagesError("ERR_SYSTEM_PACKAGES_INSTALL", "installing the system packages failed (see above)");
    return;
  }
  const result = spawnSync("bash", args, { encoding: "utf8" });
  // Ctrl-C while the script runs: there is no list to show (the caller's signal handler takes over).
  if (result.signal) throw new SystemPackagesError("ERR_SYSTEM_PACKAGES_INTERRUPTED", `interrupted (${result.signal}) during the system package check`);
  if (result.status !== 0) {
    throw new SystemPackagesError("ERR_SYSTEM_PACKAGES_MISSING", `system packages missing:\n${(result.stderr || result.stdout || result.error?.message || "").trim()}`);
  }
  const said = result.stdout.trim();
  if (said && !said.endsWith("all present")) print(said);
}

/** What is missing, in the script's words ("" when all is there); installs nothing. */
export function missingSystemPackages(): string {
  const result = spawnSync("bash", [installScript, "--check"], { encoding: "utf8" });
  return result.status === 0 ? "" : result.stderr;
}
