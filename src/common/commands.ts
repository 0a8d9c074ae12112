// Runs the system tools the lab is made of (ip, iptables, kill): argv in, stdout out, and a
// CommandError that says in one line what failed. The one command runner of src/.
import { execFile } from "node:child_process";
import { CommandError } from "./errors";

export { CommandError };

/** Runs argv, resolves with its stdout; rejects with a CommandError naming the command and its stderr. */
export function run(argv: readonly string[], options: { input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0], argv.slice(1), { encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof (err as NodeJS.ErrnoException).code === "number" ? ((err as unknown) as { code: number }).code : null;
        reject(new CommandError(argv, stderr, code, (err as NodeJS.ErrnoException).code === "ENOENT"));
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
