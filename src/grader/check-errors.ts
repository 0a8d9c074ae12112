// The exercise checker's own failures, on the application's one error base (common/errors.ts):
// a submission that cannot be checked (said before anything is set up), and a check stopped by
// Ctrl-C or SIGTERM (exit status 130, everything it set up undone).
import { SocketsError } from "../common/errors";

/** A submission (or class folder) that cannot be checked; the message says what to change. */
export class SubmissionError extends SocketsError<
  | "ERR_SUBMISSION_MISSING" | "ERR_SUBMISSION_KERNEL" | "ERR_SUBMISSION_PAIR" | "ERR_SUBMISSION_OUTSIDE_ROOT"
  | "ERR_SUBMISSION_PROTOCOL" | "ERR_SUBMISSION_CLASS_FOLDER"
> {}

/** The check was stopped (Ctrl-C, SIGTERM) before it finished. */
export class CheckInterruptedError extends SocketsError<"ERR_CHECK_INTERRUPTED"> {
  constructor(message: string) {
    super("ERR_CHECK_INTERRUPTED", message);
  }
}
