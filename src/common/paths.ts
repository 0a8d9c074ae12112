// Where the project's files are and what its names are, computed once: every folder, script and
// kernel name below is derived here, so a move of the build output or a renamed kernel is one edit.
import { join } from "node:path";
import type { HostName } from "@sockets-typescript/topology";

/** The project folder (this file is dist/src/common/paths.js after the build). */
export const projectRoot = join(__dirname, "..", "..", "..");
/** The project's Jupyter data folder: JUPYTER_PATH=<project>/jupyter. */
export const projectJupyterDir = join(projectRoot, "jupyter");
/** The students' notebooks. */
export const notebooksDir = join(projectRoot, "notebooks");
/** Installs (as root) or checks (--check) the distribution's packages the lab needs. */
export const installScript = join(projectRoot, "scripts", "install-system-packages.sh");

/** A lab host's kernel name, as kernelspecs and notebooks' metadata spell it: ts-romeo, ts-juliet. */
export function kernelName(host: HostName): string {
  return `ts-${host}`;
}

/** What Jupyter's kernel menu shows for a host's kernel. */
export function kernelDisplayName(host: HostName): string {
  return `TypeScript on ${host}`;
}
