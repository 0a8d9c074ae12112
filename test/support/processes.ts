// Process checks shared by the tests that make sure nothing outlives what started it.

/** Whether a process with this pid exists (signal 0 only asks the kernel; a zombie counts as alive). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
