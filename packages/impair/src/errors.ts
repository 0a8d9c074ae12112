// One base class with a stable `code` for everything the impairment package refuses or fails at,
// so callers (CLI, notebook, checker) can tell a typo from a machine that cannot do it. Programs
// and tests match the code, people read the message. (The package cannot use src/common's
// SocketsError: packages import nothing from src/.)

export type ImpairErrorCode =
  | "ERR_IMPAIR_USAGE" | "ERR_IMPAIR_UNSUPPORTED" | "ERR_IMPAIR_COMMAND" | "ERR_IMPAIR_STAGE"
  | "ERR_IMPAIR_INTERRUPTED" | "ERR_IMPAIR_PERMISSION";

export class ImpairError extends Error {
  constructor(readonly code: ImpairErrorCode, message: string) {
    super(message);
  }

  /** The class's own name (ImpairUsageError, ...): in the stack's first line and String(err). */
  override get name(): string {
    return this.constructor.name;
  }
}

/** A bad flag or value (the CLI exits 2 with this one line). */
export class ImpairUsageError extends ImpairError {
  constructor(message: string) {
    super("ERR_IMPAIR_USAGE", message);
  }
}

/** The machine cannot give what was asked (no netem and no NFQUEUE, or a feature neither has). */
export class ImpairUnsupportedError extends ImpairError {
  constructor(message: string) {
    super("ERR_IMPAIR_UNSUPPORTED", message);
  }
}

/** A system tool (tc, iptables, ip) failed: the message names the command and up to 3 lines of its words. */
export class ImpairCommandError extends ImpairError {
  constructor(readonly argv: readonly string[], readonly stderr: string) {
    super("ERR_IMPAIR_COMMAND", `${argv.join(" ")} failed: ${stderr.trim().split("\n").slice(0, 3).join(" / ") || "no message"}`);
  }
}

/** The userspace stage did not start (or said why), or the start was interrupted. */
export class ImpairStageError extends ImpairError {
  constructor(message: string, code: "ERR_IMPAIR_STAGE" | "ERR_IMPAIR_INTERRUPTED" = "ERR_IMPAIR_STAGE") {
    super(code, message);
  }
}

/** Not root and no sudo allowed. */
export class ImpairPermissionError extends ImpairError {
  constructor(message: string) {
    super("ERR_IMPAIR_PERMISSION", message);
  }
}
