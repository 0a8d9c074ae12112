// Command-line options of `npm run bench -- [options]` (and BENCH_QUICK=1 for --quick).
export interface BenchOptions {
  rounds: number;
  tcpBytes: number;
  tcpLimitSeconds: number;
  udpSize: number;
  udpWarmup: number;
  udpWindow: number;
  udpIdle: number;
  sockets: number;
  links: ("loopback" | "veth")[];
  /** Receiver and sender on CPUs of their own (taskset). */
  pin: boolean;
  /** The lab-speed part (lab up/down, kernels through Jupyter), in runs that include the veth. */
  labSpeed: boolean;
  /**
   * The same-work run: this share of the slowest receiver's best free-running rate (module vs
   * CPython) is offered to every receiver by one paced sender; null skips it.
   */
  pacedShare: number | null;
}

export const USAGE = `usage: npm run bench -- [--quick] [--rounds N] [--tcp-mib N] [--udp-seconds S] [--link loopback|veth|both] [--no-pin] [--paced-share F | --no-paced]
  --quick          1 round, 256 MiB, 0.5 s UDP window (also BENCH_QUICK=1)
  --rounds N       measurements per implementation and link, interleaved (default 3)
  --tcp-mib N      TCP bytes to transfer, in MiB (default 1024)
  --udp-seconds S  UDP counting window at the receiver (default 1.5)
  --link L         loopback, veth (needs root) or both (default: both when root); the lab-speed part runs only with veth
  --no-pin         leave receiver and sender to the scheduler (default: receiver on CPU 1, sender on CPU 0)
  --no-lab-speed   skip the lab-speed part (lab up/down, kernels through Jupyter)
  --paced-share F  same-work run: one paced sender offers every receiver F (0 < F <= 1) of the slowest
                   receiver's best free-running rate; receiver CPU per MB / per datagram (default 0.5)
  --no-paced       skip the same-work run`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const quick = argv.includes("--quick") || env.BENCH_QUICK === "1";
  const o: BenchOptions = {
    rounds: quick ? 1 : 3,
    tcpBytes: (quick ? 256 : 1024) * 2 ** 20,
    tcpLimitSeconds: 20,
    udpSize: 64,
    udpWarmup: 0.25,
    udpWindow: quick ? 0.5 : 1.5,
    udpIdle: 0.5,
    sockets: 1000,
    links: ["loopback", "veth"],
    pin: true,
    labSpeed: true,
    pacedShare: 0.5,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number\n${USAGE}`);
      return n;
    };
    if (flag === "--quick") continue;
    else if (flag === "--no-pin") o.pin = false;
    else if (flag === "--no-lab-speed") o.labSpeed = false;
    else if (flag === "--no-paced") o.pacedShare = null;
    else if (flag === "--paced-share") {
      o.pacedShare = value();
      if (o.pacedShare > 1) throw new Error(`--paced-share must be at most 1 (a share of the slowest receiver's rate)\n${USAGE}`);
    } else if (flag === "--rounds") o.rounds = Math.floor(value());
    else if (flag === "--tcp-mib") o.tcpBytes = Math.floor(value() * 2 ** 20);
    else if (flag === "--udp-seconds") o.udpWindow = value();
    else if (flag === "--link") {
      const which = argv[++i];
      if (which === "both") o.links = ["loopback", "veth"];
      else if (which === "loopback" || which === "veth") o.links = [which];
      else throw new Error(`--link must be loopback, veth or both\n${USAGE}`);
    } else if (flag === "--help" || flag === "-h") throw new Error(USAGE);
    else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  return o;
}
