// The application's errors (lab, Jupyter, kernels, notebooks, command-line tools), as Node's own
// and undici's are made: one base class with a stable `code` that programs and tests match on
// (never the message, which is for people), one subclass per kind of failure. Each command-line
// tool turns an error into its exit status with exitStatusOf, one table for all of them.
// (The socket module's errors are Python's, in packages/socket/src/errors.ts: a different world.)

/** Exit statuses that are not the plain 1 of "it failed": keyed by code. */
const EXIT_STATUS: Readonly<Record<string, number>> = {
  ERR_USAGE: 2,
  // 128 + SIGINT, what a shell reports for a program ended by Ctrl-C.
  ERR_LAB_INTERRUPTED: 130,
  ERR_START_INTERRUPTED: 130,
};

export class SocketsError<Code extends string = string> extends Error {
  constructor(readonly code: Code, message: string) {
    super(message);
  }

  /** The class's own name (LabError, ...): in the stack's first line and String(err). */
  override get name(): string {
    return this.constructor.name;
  }

  /** The exit status a command-line tool ends with when this error ends it. */
  get exitStatus(): number {
    return exitStatusOf(this);
  }
}

/** A command line the tool does not understand (exit status 2). */
export class UsageError extends SocketsError<"ERR_USAGE"> {
  constructor(message: string) {
    super("ERR_USAGE", message);
  }
}

/** The local lab (namespaces, veth) cannot be made, entered or used. */
export class LabError extends SocketsError<
  | "ERR_LAB_NOT_LINUX" | "ERR_LAB_NOT_ROOT" | "ERR_LAB_UNKNOWN_HOST" | "ERR_LAB_NOT_UP"
  | "ERR_LAB_PREFIX" | "ERR_LAB_INTERRUPTED" | "ERR_LAB_TOOL_MISSING" | "ERR_LAB_FIREWALL"
  | "ERR_LAB_IMPAIR"
> {}

/** A system tool (ip, iptables, ...) failed or is not installed. */
export class CommandError extends SocketsError<"ERR_COMMAND_FAILED" | "ERR_COMMAND_NOT_FOUND"> {
  constructor(readonly argv: readonly string[], readonly stderr: string, readonly exitCode: number | null, notFound = false) {
    super(notFound ? "ERR_COMMAND_NOT_FOUND" : "ERR_COMMAND_FAILED", `${argv.join(" ")} failed: ${notFound ? `${argv[0]}: command not found` : stderr.trim() || `exit ${exitCode}`}`);
  }
}

/** The distribution's packages the lab needs are missing, or installing them failed. */
export class SystemPackagesError extends SocketsError<"ERR_SYSTEM_PACKAGES_MISSING" | "ERR_SYSTEM_PACKAGES_INSTALL" | "ERR_SYSTEM_PACKAGES_INTERRUPTED"> {}

/** npm start refuses (before changing anything) or was stopped while starting. */
export class StartError extends SocketsError<"ERR_START_NOT_ROOT" | "ERR_START_INTERRUPTED" | "ERR_START_FRONTEND"> {}

/** The Jupyter server exited at start or did not answer in time. */
export class JupyterStartError extends SocketsError<"ERR_JUPYTER_EXITED" | "ERR_JUPYTER_TIMEOUT" | "ERR_JUPYTER_NO_VENV"> {}

/** A host's kernel did not start, or did not answer in time. */
export class KernelStartError extends SocketsError<"ERR_KERNEL_NOT_STARTED" | "ERR_KERNEL_TIMEOUT"> {}

/** A notebook the runner or checker was given cannot be used. */
export class NotebookError extends SocketsError<
  | "ERR_NOTEBOOK_UNREADABLE" | "ERR_NOTEBOOK_NO_CELLS" | "ERR_NOTEBOOK_HOST_UNKNOWN"
  | "ERR_NOTEBOOK_WRONG_HOST" | "ERR_NOTEBOOK_OUTSIDE_ROOT" | "ERR_NOTEBOOK_VARIANT_UNKNOWN"
> {}

/** The executed notebooks (the handout of `walkthrough --save`) could not be written or turned into HTML. */
export class HandoutError extends SocketsError<"ERR_HANDOUT_NOT_WRITABLE" | "ERR_HANDOUT_HTML_FAILED"> {}

/**
 * The exit status a tool ends with for `err`: the code's status (usage 2, interrupted 130), else
 * `failed` — 1 for most tools; the runners say 2 ("could not run"), as their 1 means "ran, and a
 * check failed". An error that is no SocketsError is a bug: `failed` too.
 */
export function exitStatusOf(err: unknown, failed = 1): number {
  if (err instanceof SocketsError && EXIT_STATUS[err.code] !== undefined) return EXIT_STATUS[err.code];
  return failed;
}

/** The line(s) a tool prints for `err`: `tool: message` for a known failure, the stack for a bug. */
export function describeFailure(tool: string, err: unknown): string {
  if (err instanceof SocketsError) return `${tool}: ${err.message}`;
  return `${tool}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
}

/** Runs a tool's main: exits with its status, or prints the failure and exits with exitStatusOf. */
export function runMain(tool: string, main: () => Promise<number>, options: { failed?: number } = {}): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(describeFailure(tool, err));
      process.exit(exitStatusOf(err, options.failed));
    },
  );
}
