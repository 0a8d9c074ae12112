// The kernel's netem qdisc (testbed hosts): the commands that impair an interface, and those
// that remove exactly what they made. Our qdiscs carry the handle 5ee: so clear never deletes
// someone else's; the way in (direction "both") goes through an ifb device named imp-<iface>.
import { fmtMs, fmtPercent, type Impairment } from "./args";

export const NETEM_HANDLE = "5ee:";

export function ifbName(iface: string): string {
  return `imp-${iface}`.slice(0, 15);
}

/** netem's own arguments for the impairment. netem reorders only delayed packets: reorder without delay gets 1ms. */
export function netemArgs(spec: Impairment, seed: number | undefined): string[] {
  const args = ["netem", "limit", "10000"];
  const delay = spec.delayMs || (spec.reorder ? 1 : 0);
  if (delay) args.push("delay", fmtMs(delay), ...(spec.jitterMs ? [fmtMs(spec.jitterMs)] : []));
  if (spec.loss) args.push("loss", fmtPercent(spec.loss));
  if (spec.duplicate) args.push("duplicate", fmtPercent(spec.duplicate));
  if (spec.reorder) args.push("reorder", fmtPercent(spec.reorder));
  if (seed !== undefined) args.push("seed", String(seed));
  return args;
}

/** tc/ip argv lists (to run inside the target) that put `qdisc` (netem's args) on the interface. */
export function netemPlan(iface: string, spec: Impairment, qdisc: string[]): string[][] {
  const plan = [["tc", "qdisc", "replace", "dev", iface, "root", "handle", NETEM_HANDLE, ...qdisc]];
  if (spec.direction === "both") {
    const ifb = ifbName(iface);
    plan.push(
      ["ip", "link", "add", ifb, "type", "ifb"],
      ["ip", "link", "set", ifb, "up"],
      ["tc", "qdisc", "add", "dev", iface, "handle", "ffff:", "ingress"],
      ["tc", "filter", "add", "dev", iface, "parent", "ffff:", "protocol", "all", "u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", ifb],
      ["tc", "qdisc", "replace", "dev", ifb, "root", "handle", NETEM_HANDLE, ...qdisc],
    );
  }
  return plan;
}

/** What clear runs (each may fail harmlessly when there is nothing to remove), given `tc qdisc show dev iface`. */
export function netemClearPlan(iface: string, qdiscListing: string, ifbExists: boolean): string[][] {
  const plan: string[][] = [];
  if (new RegExp(`^qdisc \\S+ ${NETEM_HANDLE} root`, "m").test(qdiscListing)) plan.push(["tc", "qdisc", "del", "dev", iface, "root"]);
  if (ifbExists) {
    plan.push(["tc", "qdisc", "del", "dev", iface, "handle", "ffff:", "ingress"], ["ip", "link", "del", ifbName(iface)]);
  }
  return plan;
}
