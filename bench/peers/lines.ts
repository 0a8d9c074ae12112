// The line protocol every peer (TypeScript or Python) speaks to bench/main on stdout:
// "READY <port>" once listening, "RESULT <json>" at the end. Same clock rule for all peers.

/** Peers read the clock once per this many calls, so the clock costs the same in every language. */
export const CHECK_EVERY = 64;

export function ready(port: number): void {
  process.stdout.write(`READY ${port}\n`);
}

export function result(value: object): void {
  process.stdout.write(`RESULT ${JSON.stringify(value)}\n`);
}

/** Seconds on a monotonic clock (performance.now, as Python's perf_counter). */
export function now(): number {
  return performance.now() / 1000;
}

/** CPU seconds (user + system) this process has used, as Python's time.process_time(). */
export function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** The arguments after the script, or the usage text on stderr and exit 2. */
export function args(count: number, usage: string): string[] {
  const argv = process.argv.slice(2);
  if (argv.length !== count) {
    process.stderr.write(usage + "\n");
    process.exit(2);
  }
  return argv;
}
