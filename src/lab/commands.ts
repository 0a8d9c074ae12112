// Runs the system tools the lab is made of (ip, kill) and says what failed in one line.
import { execFile } from "node:child_process";

export class CommandError extends Error {
  constructor(readonly argv: readonly string[], readonly stderr: string, readonly exitCode: number | null) {
    super(`${argv.join(" ")} failed: ${stderr.trim() || `exit ${exitCode}`}`);
    this.name = "CommandError";
  }
}

/** Runs argv, resolves with its stdout; rejects with a CommandError naming the command and its stderr. */
export function run(argv: readonly string[], options: { input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0], argv.slice(1), { encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof (err as NodeJS.ErrnoException).code === "number" ? ((err as unknown) as { code: number }).code : null;
        const words = (err as NodeJS.ErrnoException).code === "ENOENT" ? `${argv[0]}: command not found` : stderr;
        reject(new CommandError(argv, words, code));
      } else {
        resolve(stdout);
      }
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Like run, but a failure resolves to null (for questions such as "does this exist?"). */
export async function tryRun(argv: readonly string[]): Promise<string | null> {
  try {
    return await run(argv);
  } catch {
    return null;
  }
}
