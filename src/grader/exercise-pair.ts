// The two notebooks of a submission, checked before anything is set up: both readable notebooks,
// one on each host (the kernelspec says which, so they may be given in either order), inside the
// folder the Jupyter server shows (tslab compiles only under it), and UDP or TCP told apart.
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, relative, resolve } from "node:path";
import type { HostName } from "@sockets-typescript/topology";
import { readNotebook, type HostNotebook } from "../session/notebook";
import { SubmissionError } from "./check-errors";

export type Protocol = "udp" | "tcp";

export { SubmissionError };

const kernelOf = (path: string): { name: string; display: string } => {
  try {
    const spec = JSON.parse(readFileSync(path, "utf8"))?.metadata?.kernelspec ?? {};
    return { name: String(spec.name ?? ""), display: String(spec.display_name ?? spec.name ?? "none") };
  } catch {
    return { name: "", display: "none" };
  }
};

const right = (host: HostName) => `"TypeScript on ${host}" (ts-${host})`;
const hostByName = (path: string): HostName | undefined => (/juliet/i.test(basename(path)) ? "juliet" : /romeo/i.test(basename(path)) ? "romeo" : undefined);

/** Loads the pair, juliet's first. Throws SubmissionError naming the file and the fix. */
export function loadPair(paths: readonly string[], root: string): HostNotebook[] {
  if (paths.length !== 2) throw new SubmissionError("ERR_SUBMISSION_PAIR", `a submission is two notebooks (juliet's and romeo's), got ${paths.length}`);
  const notebooks = paths.map((given) => {
    const path = resolve(given);
    if (!existsSync(path)) throw new SubmissionError("ERR_SUBMISSION_MISSING", `${given}: no such file`);
    if (statSync(path).isDirectory()) throw new SubmissionError("ERR_SUBMISSION_MISSING", `${given}: a folder, not a notebook`);
    if (relative(root, path).startsWith("..")) throw new SubmissionError("ERR_SUBMISSION_OUTSIDE_ROOT", `${given}: outside ${root}; the Jupyter server (and tslab) can open notebooks only inside it: copy the notebooks into the project`);
    const kernel = kernelOf(path);
    const byKernel = /^ts-(juliet|romeo)$/.exec(kernel.name)?.[1] as HostName | undefined;
    if (!byKernel) {
      const host = hostByName(path);
      throw new SubmissionError(
        "ERR_SUBMISSION_KERNEL",
        `${given}: its kernel is ${JSON.stringify(kernel.display)}, which runs on no host of the lab: choose the kernel ${host ? right(host) : `${right("juliet")} or ${right("romeo")}`} (Kernel > Change kernel) and save`,
      );
    }
    try {
      return readNotebook(path);
    } catch (err) {
      throw new SubmissionError("ERR_SUBMISSION_MISSING", (err as Error).message);
    }
  });
  const [a, b] = notebooks;
  if (a.host === b.host) {
    // The one whose file name names the other host probably has the wrong kernel; else the second.
    const other: HostName = a.host === "juliet" ? "romeo" : "juliet";
    const wrong = notebooks.find((nb) => hostByName(nb.path) === other) ?? b;
    throw new SubmissionError("ERR_SUBMISSION_KERNEL", `both notebooks use the kernel ts-${a.host}: ${relative(process.cwd(), wrong.path) || wrong.path} must run on ${other}: choose the kernel ${right(other)} in it and save`);
  }
  return a.host === "juliet" ? [a, b] : [b, a];
}

/**
 * UDP or TCP: by the socket type the code creates (SOCK_DGRAM / SOCK_STREAM, the one thing both
 * notebooks must agree on), else by the file names (balcony-udp / balcony-tcp).
 */
export function detectProtocol(notebooks: readonly HostNotebook[]): Protocol {
  const code = notebooks.flatMap((nb) => nb.cells.map((cell) => cell.code)).join("\n");
  const byCode = [/SOCK_DGRAM/.test(code) && "udp", /SOCK_STREAM/.test(code) && "tcp"].filter(Boolean);
  if (byCode.length === 1) return byCode[0] as Protocol;
  const names = notebooks.map((nb) => basename(nb.path).toLowerCase()).join(" ");
  const byName = [/udp/.test(names) && "udp", /tcp/.test(names) && "tcp"].filter(Boolean);
  if (byName.length === 1) return byName[0] as Protocol;
  throw new SubmissionError("ERR_SUBMISSION_PROTOCOL", "cannot tell whether this is the UDP or the TCP exercise (the code creates both socket types or neither, and the file names do not say): give --udp or --tcp");
}
