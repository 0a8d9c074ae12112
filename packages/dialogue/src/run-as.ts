// The command line of the standalone balcony solutions: `<program> juliet|romeo`.
import type { Speaker } from "./text";

/** Runs the part of `host` named on the command line; exits 1 with one line of error on failure. */
export function runAs(program: string, parts: Record<Speaker, () => Promise<void>>): void {
  const host = process.argv[2];
  if (host !== "juliet" && host !== "romeo") {
    console.error(`usage: node ${program} juliet|romeo   (start juliet first, then romeo, each on its own host)`);
    process.exit(2);
  }
  parts[host]().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`${host}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      process.exit(1);
    },
  );
}
