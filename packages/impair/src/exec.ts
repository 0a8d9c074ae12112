// Running the system's tools for a target host: inside its network namespace when it has one
// (the lab), through `sudo -n` when the caller is not root (a testbed host's notebook user).
import { execFile, execFileSync } from "node:child_process";
import { userInfo } from "node:os";
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

/** The login user's name (as sudo knows it), or "uid N" where the passwd database has no name. */
export function loginName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.()}`;
  }
}

/**
 * sudo's own refusals (not the command's failures): no rule for the user, a rule that wants a
 * password (sudo -n never asks), a rule for other commands only, or no sudo at all. Testbed
 * images (FABRIC's ubuntu, Chameleon's cc) carry "USER ALL=(ALL) NOPASSWD: ALL"; a host that
 * lost it, or a second account, gets these.
 */
const SUDO_REFUSALS = /^sudo: (a password is required|.* is not in the sudoers file|.* is not allowed to (execute|run)|sorry, user .* may not run sudo|a terminal is required|account validation failure|PAM account management error|you do not exist in the passwd database).*$/m;

/** sudo's refusal in `words` (its stderr), as sudo wrote it, or null when sudo ran the command. */
export function sudoRefusal(words: string): string | null {
  return SUDO_REFUSALS.exec(words)?.[0].trim() ?? null;
}

/**
 * The message for a command sudo refused: what needs root, the command it runs under sudo, for
 * which user, the rule that allows it, and sudo's own words (null: sudo is not installed).
 */
export function sudoRuleMessage(what: string, command: string, said: string | null, user = loginName()): string {
  const rule = `${user} ALL=(ALL) NOPASSWD: ALL`;
  const why = said === null ? "sudo is not installed on this host" : `sudo refused (${said.replace(/^sudo: /, "")})`;
  return `${what} needs root and ${user} is not root: it runs \`sudo -n ${command}\`, and ${why}. ` +
    `Give ${user} password-less sudo: the line "${rule}" in /etc/sudoers.d/90-${user.replace(/[^A-Za-z0-9_-]/g, "_")} ` +
    `(edit it with visudo -f), as FABRIC's and Chameleon's images have for their login user; or run as root`;
}

export function run(argv: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { encoding: "utf8", timeout: 20_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      if (argv[0] === "sudo") {
        // sudo itself said no (or is missing): the rule is what is wanting, not the tool.
        const refused = e.code === "ENOENT" ? null : sudoRefusal(stderr);
        if (e.code === "ENOENT" || refused !== null) return reject(new ImpairPermissionError(sudoRuleMessage("changing the link", commandOf(argv), refused)));
      }
      const words = e.code === "ENOENT" ? `${argv[0]}: command not found` : e.killed ? "no answer within 20 s" : stderr || e.message;
      reject(new ImpairCommandError(argv, words));
    });
  });
}

/** The command under `sudo -n [ip netns exec NS]`, as a person would type it after sudo. */
function commandOf(argv: readonly string[]): string {
  let rest = argv[0] === "sudo" ? argv.slice(argv[1] === "-n" ? 2 : 1) : argv;
  if (rest[0] === "ip" && rest[1] === "netns" && rest[2] === "exec") rest = rest.slice(4);
  return rest.slice(0, 3).join(" ");
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
