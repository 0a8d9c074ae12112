// npm run lab:impair -- --loss 20% --delay 50ms [--jitter 10ms] [--duplicate 5%] [--reorder 10%]
//   [--seed N] [--direction egress|both] [--host romeo|juliet|both] [--mechanism auto|netem|userspace]
// npm run lab:impair -- --clear [--host ...]
// Each chosen host's LAN interface gets the impairment on its way out (so --host both impairs
// both directions of the LAN). Ctrl-C or SIGTERM before it is all in place removes everything.
import { hostNames, type HostName } from "@sockets-typescript/topology";
import {
  ImpairError, ImpairUsageError, clearImpairment, impair, parseImpairmentArgs, support, type Mechanism,
} from "@sockets-typescript/impair";
import { Lab, LabError, LAN_INTERFACE, checkRoot } from "./lab";

interface Options {
  hosts: HostName[];
  mechanism: Mechanism | "auto";
  rest: string[];
}

/** Takes the lab's own flags (--host, --mechanism) out; the rest are the impairment's. */
export function labImpairOptions(argv: string[]): Options {
  const rest: string[] = [];
  let host: string | undefined;
  let mechanism: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--") && argv[i].includes("=") ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)] : [argv[i], undefined];
    if (flag !== "--host" && flag !== "--mechanism") {
      rest.push(argv[i]);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ImpairUsageError(`argument ${flag}: expected a value`);
    if (flag === "--host") {
      if (host !== undefined) throw new ImpairUsageError(`argument --host: given twice`);
      if (![...hostNames, "both"].includes(value)) throw new ImpairUsageError(`argument --host: expected ${hostNames.join(", ")} or both, got ${JSON.stringify(value)}`);
      host = value;
    } else {
      if (mechanism !== undefined) throw new ImpairUsageError(`argument --mechanism: given twice`);
      if (!["auto", "netem", "userspace"].includes(value)) throw new ImpairUsageError(`argument --mechanism: expected auto, netem or userspace, got ${JSON.stringify(value)}`);
      mechanism = value;
    }
  }
  return { hosts: !host || host === "both" ? [...hostNames] : [host as HostName], mechanism: (mechanism ?? "auto") as Mechanism | "auto", rest };
}

/** The machine's capabilities in two lines, for every run of the command. */
export function supportLines(): string[] {
  const s = support();
  const features = Object.entries(s.features).map(([name, yes]) => `${name} ${yes ? "yes" : "no"}`).join(", ");
  const mechanism = s.mechanism === "netem" ? "the kernel's netem qdisc" : s.mechanism === "userspace" ? "the userspace stage (NFQUEUE)" : "none";
  return [`mechanism on this machine: ${mechanism}: ${s.why}`, `this machine supports: ${features}`];
}

function asLabError(err: unknown): never {
  throw err instanceof ImpairError ? new LabError("ERR_LAB_IMPAIR", err.message) : err;
}

export async function impairCommand(lab: Lab, argv: string[]): Promise<number> {
  let options: Options;
  let spec: ReturnType<typeof parseImpairmentArgs>;
  try {
    options = labImpairOptions(argv);
    spec = parseImpairmentArgs(options.rest);
  } catch (err) {
    if (err instanceof ImpairUsageError) {
      console.error(`lab impair: error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  checkRoot("impair the lab's link");
  const targets = options.hosts.map((host) => ({ host, target: { netns: lab.namespace(host), iface: LAN_INTERFACE } }));
  if (spec === "clear") {
    for (const { host, target } of targets) {
      if (lab.hasHost(host)) await clearImpairment(target).catch(asLabError);
    }
    console.log(`lab: no impairment on ${options.hosts.join(" and ")} (stage, iptables rules and qdiscs removed)`);
    return 0;
  }
  // Ctrl-C / SIGTERM: stop where we are, remove what was made on every chosen host, exit 130.
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const pauseMs = Number(process.env.SOCKETS_IMPAIR_STEP_PAUSE_MS) || 0; // only for the test of Ctrl-C half-way
  const seed = spec.seed ?? Math.floor(Math.random() * 2 ** 31);
  try {
    if (!(await lab.isUp())) throw new LabError("ERR_LAB_NOT_UP", "the lab is not up: run npm run lab:up first");
    for (const line of supportLines()) console.log(`lab: ${line}`);
    for (const { host, target } of targets) {
      if (abort.signal.aborted) throw new LabError("ERR_LAB_INTERRUPTED", "interrupted");
      const result = await impair(target, { ...spec, seed }, { mechanism: options.mechanism, signal: abort.signal });
      console.log(`lab: ${host}: ${result.summary}`);
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    if (abort.signal.aborted) throw new LabError("ERR_LAB_INTERRUPTED", "interrupted");
  } catch (err) {
    for (const { target } of targets) await clearImpairment(target).catch(() => undefined);
    if (abort.signal.aborted || (err as { code?: string }).code === "ERR_LAB_INTERRUPTED" || (err as { code?: string }).code === "ERR_IMPAIR_INTERRUPTED") {
      throw new LabError("ERR_LAB_INTERRUPTED", "interrupted: the impairment was not put in place, and what was made is removed again");
    }
    // The package's failures (a tool, the stage, an unsupported machine) end the lab tool as one line.
    if (err instanceof ImpairError) throw new LabError("ERR_LAB_IMPAIR", err.message);
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  console.log(`lab: replay the same fates with --seed ${seed}; remove with npm run lab:impair -- --clear (lab:down removes it too)`);
  return 0;
}
