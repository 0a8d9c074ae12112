// Process checks shared by the tests that make sure nothing outlives what started it.
import { readFileSync } from "node:fs";
import type { HostName } from "@sockets-typescript/topology";
import type { Lab } from "../../src/lab/lab";

/** The processes in a lab host other than `except` (its sshd listener), as "pid command line". */
export async function hostProcesses(lab: Lab, host: HostName, except?: number): Promise<string[]> {
  const pids = (await lab.pids(host)).filter((pid) => pid !== except);
  return pids.map((pid) => {
    try {
      return `${pid} ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim()}`;
    } catch {
      return "";
    }
  }).filter(Boolean);
}

/** Whether a process with this pid exists (signal 0 only asks the kernel; a zombie counts as alive). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
