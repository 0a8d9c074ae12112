// What this machine can do to a link, found by trying it (no modprobe, no guessing from
// version numbers): in a throwaway network namespace (`unshare --net`, gone when the probe
// ends) add a netem qdisc, a seeded one, an ifb device, an NFQUEUE rule, and bind a queue
// with the stage itself. Nothing of the probe outlives it.
import { join } from "node:path";
import { isRoot, runSync, sudoRefusal, sudoRuleMessage } from "./exec";

export type Mechanism = "netem" | "userspace";

export interface Support {
  netem: boolean;
  /** What `impair` gives on this machine with its preferred mechanism: loss, delay, jitter, duplicate, reorder, seed, ingress. */
  features: Record<string, boolean>;
  /** One paragraph for a person: which mechanism, what works, and why. */
  why: string;
  /** The mechanism `impair` uses by default here (null: none works). */
  mechanism: Mechanism | null;
  /**
   * Not root, and sudo refused the probe (no password-less rule, or no sudo): the message naming
   * the rule. `impair` then refuses with it (ImpairPermissionError). Null otherwise.
   */
  permission?: string | null;
  /** Details of the probe, one entry per capability. */
  probe: { netem: string; netemSeed: string; ifb: string; nfqueue: string };
}

export const stagePath = (): string => join(__dirname, "stage.js");

const ok = (s: string) => s === "ok";

let cached: Support | undefined;

/** What this machine supports (probed once per process; `fresh` probes again). */
export function support(fresh = false): Support {
  if (cached && !fresh) return cached;
  const script = [
    "ip link set lo up",
    'say() { printf "%s=%s\\n" "$1" "$(printf "%s" "$2" | tr "\\n" " ")"; }',
    'if o=$(tc qdisc add dev lo root handle 5ee: netem delay 1ms 2>&1); then say netem ok; tc qdisc del dev lo root; else say netem "$o"; fi',
    'if o=$(tc qdisc add dev lo root handle 5ee: netem loss 1% seed 7 2>&1); then say seed ok; tc qdisc del dev lo root; else say seed "$o"; fi',
    'if o=$(ip link add imp-probe type ifb 2>&1); then say ifb ok; else say ifb "$o"; fi',
    'if o=$(iptables -w -t mangle -A POSTROUTING -o lo -m mark ! --mark 0x5ee0d0 -m comment --comment probe -j NFQUEUE --queue-num 1 --queue-bypass 2>&1) && o=$("$0" "$1" --sockets-impair-stage --probe --iface lo --spec "{}" --seed 0 2>&1); then say nfqueue ok; else say nfqueue "$o"; fi',
  ].join("\n");
  const argv = [...(isRoot() ? [] : ["sudo", "-n"]), "unshare", "--net", "sh", "-c", script, process.execPath, stagePath()];
  const result = runSync(argv, 20_000);
  const found: Record<string, string> = {};
  for (const line of result.out.split("\n")) {
    const eq = line.indexOf("=");
    // tc answers an unknown keyword with its whole usage text: keep the sentence before it.
    if (eq > 0) found[line.slice(0, eq)] = line.slice(eq + 1).split(/\s+Usage:/)[0].trim().slice(0, 200);
  }
  const failure = result.ok ? "no answer" : `the probe could not run (${result.out.split("\n")[0] || "unknown error"}${isRoot() ? "" : "; root or password-less sudo is needed"})`;
  const probe = {
    netem: found.netem ?? failure,
    netemSeed: found.seed ?? failure,
    ifb: found.ifb ?? failure,
    nfqueue: found.nfqueue ?? failure,
  };
  cached = describe(probe);
  if (!isRoot() && !result.ok) {
    const refused = sudoRefusal(result.out);
    if (refused !== null || /^sudo: command not found/.test(result.out)) {
      cached.permission = sudoRuleMessage("changing the link (tc, iptables, ip and the impairment stage)", "unshare --net sh -c <probe>", refused);
      cached.why = cached.permission;
    }
  }
  return cached;
}

/** Turns the probe's findings into the features and the explanation (pure, for tests). */
export function describe(probe: Support["probe"]): Support {
  const netem = ok(probe.netem);
  const nfq = ok(probe.nfqueue);
  const all = (v: boolean) => ({ loss: v, delay: v, jitter: v, duplicate: v, reorder: v });
  if (netem) {
    const seed = ok(probe.netemSeed) || nfq;
    return {
      netem, probe, mechanism: "netem",
      features: { ...all(true), seed, ingress: ok(probe.ifb) },
      why: `the kernel's netem qdisc is here: loss, delay, jitter, duplicate and reorder on the interface's way out` +
        (ok(probe.ifb) ? ", and on the way in through an ifb device" : ` (no ifb device for the way in: ${probe.ifb})`) +
        (ok(probe.netemSeed) ? "; netem takes a seed" : nfq ? `; this netem takes no seed (${probe.netemSeed}), so a seeded impairment uses the userspace stage (NFQUEUE)` : `; this netem takes no seed, so runs are not replayable`),
    };
  }
  if (nfq) {
    return {
      netem, probe, mechanism: "userspace",
      features: { ...all(true), seed: true, ingress: true },
      why: `no netem qdisc in this kernel (tc: ${probe.netem}); the userspace stage on NFQUEUE gives loss, delay, jitter, duplicate, reorder and seeded replay, for IPv4 (ARP and IPv6 pass untouched)`,
    };
  }
  return {
    netem, probe, mechanism: null,
    features: { ...all(false), seed: false, ingress: false },
    why: `neither netem (tc: ${probe.netem}) nor NFQUEUE (${probe.nfqueue}) works here: no link impairment on this machine`,
  };
}
