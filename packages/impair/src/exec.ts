// Running the system's tools for a target host: inside its network namespace when it has one
// (the lab), through `sudo -n` when the caller is not root (a testbed host's notebook user).
import { execFile, execFileSync } from "node:child_process";
import { ImpairCommandError, ImpairPermissionError, ImpairStageError } from "./errors";

/** Where an impairment applies: the lab gives a namespace name and "lan0"; a testbed host no namespace and sudo. */
export interface ImpairTarget {
  netns?: string;
  iface: string;
  sudo?: boolean;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** The argv prefix that runs a command as root inside the target's namespace. */
export function prefixFor(target: Pick<ImpairTarget, "netns" | "sudo">): string[] {
  const prefix: string[] = [];
  if (!isRoot()) {
    if (!target.sudo) throw new ImpairPermissionError(`root is needed to change a link: run as root, or pass sudo: true (sudo -n must work without a password)`);
    prefix.push("sudo", "-n");
  }
  if (target.netns) prefix.push("ip", "netns", "exec", target.netns);
  return prefix;
}

export function run(argv: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { encoding: "utf8", timeout: 20_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      const words = e.code === "ENOENT" ? `${argv[0]}: command not found` : e.killed ? "no answer within 20 s" : stderr || e.message;
      reject(new ImpairCommandError(argv, words));
    });
  });
}

export async function tryRun(argv: readonly string[]): Promise<string | null> {
  try {
    return await run(argv);
  } catch {
    return null;
  }
}

/** Synchronous variant for support()'s probe; null on failure, with the failure's words in `why`. */
export function runSync(argv: readonly string[], timeoutMs = 10_000): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync(argv[0], argv.slice(1), { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] }) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string; stdout?: string; signal?: string };
    // Ctrl-C in a terminal reaches the probe's processes too: that is an interruption, not a finding.
    if ((e.signal === "SIGINT" || e.signal === "SIGTERM") && e.code !== "ETIMEDOUT") {
      throw new ImpairStageError(`interrupted: ${argv[0]} ended by ${e.signal}`, "ERR_IMPAIR_INTERRUPTED");
    }
    return { ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}`.trim() || (e.code === "ENOENT" ? `${argv[0]}: command not found` : e.message) };
  }
}
