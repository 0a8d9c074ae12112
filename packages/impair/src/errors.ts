// One base class with a stable `code` for everything the impairment package refuses or fails at,
// so callers (CLI, notebook, checker) can tell a typo from a machine that cannot do it.

export type ImpairErrorCode = "usage" | "unsupported" | "command" | "stage" | "permission";

export class ImpairError extends Error {
  constructor(readonly code: ImpairErrorCode, message: string) {
    super(message);
    this.name = "ImpairError";
  }
}

/** A bad flag or value (the CLI exits 2 with this one line). */
export class ImpairUsageError extends ImpairError {
  constructor(message: string) {
    super("usage", message);
    this.name = "ImpairUsageError";
  }
}

/** The machine cannot give what was asked (no netem and no NFQUEUE, or a feature neither has). */
export class ImpairUnsupportedError extends ImpairError {
  constructor(message: string) {
    super("unsupported", message);
    this.name = "ImpairUnsupportedError";
  }
}

/** A system tool (tc, iptables, ip) failed: the message names the command and its own words. */
export class ImpairCommandError extends ImpairError {
  constructor(readonly argv: readonly string[], readonly stderr: string) {
    super("command", `${argv.join(" ")} failed: ${stderr.trim().split("\n").slice(0, 3).join(" / ") || "no message"}`);
    this.name = "ImpairCommandError";
  }
}

/** The userspace stage did not start (or said why it stopped). */
export class ImpairStageError extends ImpairError {
  constructor(message: string) {
    super("stage", message);
    this.name = "ImpairStageError";
  }
}

/** Not root and no sudo allowed. */
export class ImpairPermissionError extends ImpairError {
  constructor(message: string) {
    super("permission", message);
    this.name = "ImpairPermissionError";
  }
}
