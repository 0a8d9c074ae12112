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

/**
 * A UDP receiver's count and measuring window, the same in every TypeScript peer (udp_peer.py
 * keeps the same rule): from the first datagram, skip `warmup` seconds, then measure `window`
 * seconds (datagrams, time, CPU), reading the clock once per CHECK_EVERY datagrams.
 */
export class DatagramWindow {
  total = 0;
  private start = Infinity;
  private end = Infinity;
  private atStart: [number, number, number] | undefined;
  private atEnd: [number, number, number] | undefined;

  constructor(private readonly warmup: number, private readonly window: number) {}

  /** One more datagram; true when it read the clock (every CHECK_EVERY datagrams). */
  count(): boolean {
    if (this.total++ === 0) {
      this.start = now() + this.warmup;
      this.end = this.start + this.window;
    }
    if (this.total % CHECK_EVERY !== 0) return false;
    const t = now();
    if (this.atStart === undefined) {
      if (t >= this.start) this.atStart = [this.total, t, cpuSeconds()];
    } else if (this.atEnd === undefined && t >= this.end) {
      this.atEnd = [this.total, t, cpuSeconds()];
    }
    return true;
  }

  /** The RESULT: the window's datagrams, seconds and CPU seconds, or only the total when it never ended. */
  result(): object {
    const { total, atStart, atEnd } = this;
    return atStart && atEnd ? { total, window: atEnd[0] - atStart[0], seconds: atEnd[1] - atStart[1], cpu: atEnd[2] - atStart[2] } : { total };
  }
}
