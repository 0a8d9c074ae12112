// Python's exception classes for socket calls. Every error's `stack` is the single line
// `Name: message`: a failing notebook cell then shows `ConnectionRefusedError: [Errno 111]
// Connection refused` and none of this module's internals. errno/strerror/code are
// non-enumerable so util.inspect (which tslab uses) prints no `{ errno: ... }` tail.
import * as libc from "./libc";
import koffi from "koffi";
import { inspect } from "node:util";

function defineHidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}

/**
 * Replaces the stack trace with one line, as a notebook should show an expected error.
 * util.inspect would put a stack without "at" frames in [brackets]; inspect.custom prints the bare line.
 */
export function shortenStack<E extends Error>(err: E): E {
  // Node may later prefix `stack` (vm's source-line arrow); the printed form stays the one line.
  const line = err.message === "" ? err.name : `${err.name}: ${err.message}`;
  defineHidden(err, "stack", line);
  defineHidden(err, inspect.custom as unknown as string, () => line);
  return err;
}

function nameClass(cls: { prototype: Error }, name: string): void {
  defineHidden(cls.prototype, "name", name);
}

/** Errno names (98 -> "EADDRINUSE"), taken from koffi's table of the platform's values. */
const errnoNames: Record<number, string> = (() => {
  const preferred = new Set(["EAGAIN", "EDEADLK", "EOPNOTSUPP"]);
  const names: Record<number, string> = {};
  for (const [name, value] of Object.entries(koffi.os.errno)) {
    if (names[value] === undefined || preferred.has(name)) names[value] = name;
  }
  return names;
})();

/** Numbers of errno names, e.g. errno.ECONNREFUSED === 111 (Python's errno module). */
export const errno: Readonly<Record<string, number>> = Object.freeze({ ...koffi.os.errno });

export function errnoName(num: number): string | undefined {
  return errnoNames[num];
}

/** libc's text for an errno value (strerror), e.g. 98 -> "Address already in use". */
export function strerror(num: number): string {
  return libc.strerror(num);
}

/**
 * Python's root of all exceptions: every error this module raises prints as Python prints it
 * (`Name: message`, or the bare name when there is no message) on one line. The tree below is
 * Python's: Exception under it (OSError, ValueError, OverflowError...), KeyboardInterrupt beside
 * Exception, so that `instanceof Exception` means what `except Exception` means.
 */
export class BaseException extends Error {
  constructor(message?: string) {
    super(message);
    shortenStack(this);
  }
}
nameClass(BaseException, "BaseException");

/** Python's Exception: what a program is expected to catch (not KeyboardInterrupt). */
export class Exception extends BaseException {}
nameClass(Exception, "Exception");

export class OSError extends Exception {
  declare readonly errno: number | undefined;
  declare readonly strerror: string | undefined;
  declare readonly code: string | undefined;

  /** `new OSError(98)` (strerror from libc), `new OSError(98, "text")`, or `new OSError("message")`. */
  constructor(errnoOrMessage?: number | string, strerrorText?: string) {
    let num: number | undefined;
    let text: string | undefined;
    let message: string;
    if (typeof errnoOrMessage === "number") {
      num = errnoOrMessage;
      text = strerrorText ?? strerror(num);
      message = `[Errno ${num}] ${text}`;
    } else {
      message = errnoOrMessage ?? "";
    }
    super(message);
    defineHidden(this, "errno", num);
    defineHidden(this, "strerror", text);
    defineHidden(this, "code", num === undefined ? undefined : errnoName(num));
  }
}
nameClass(OSError, "OSError");

export class BlockingIOError extends OSError {}
nameClass(BlockingIOError, "BlockingIOError");
export class InterruptedError extends OSError {}
nameClass(InterruptedError, "InterruptedError");
export class PermissionError extends OSError {}
nameClass(PermissionError, "PermissionError");
export class ConnectionError extends OSError {}
nameClass(ConnectionError, "ConnectionError");
export class BrokenPipeError extends ConnectionError {}
nameClass(BrokenPipeError, "BrokenPipeError");
export class ConnectionAbortedError extends ConnectionError {}
nameClass(ConnectionAbortedError, "ConnectionAbortedError");
export class ConnectionRefusedError extends ConnectionError {}
nameClass(ConnectionRefusedError, "ConnectionRefusedError");
export class ConnectionResetError extends ConnectionError {}
nameClass(ConnectionResetError, "ConnectionResetError");
/** ETIMEDOUT, or a socket timeout (`timed out`, errno undefined) as Python's socket.timeout. */
export class TimeoutError extends OSError {}
nameClass(TimeoutError, "TimeoutError");

/** Name-resolution failure: errno is the EAI_* code, strerror comes from gai_strerror(). */
export class gaierror extends OSError {
  constructor(eaiCodeOrMessage?: number | string, text?: string) {
    if (typeof eaiCodeOrMessage === "number") {
      super(eaiCodeOrMessage, text ?? libc.gai_strerror(eaiCodeOrMessage));
      defineHidden(this, "code", eaiNames[eaiCodeOrMessage]);
    } else {
      super(eaiCodeOrMessage);
    }
  }
}
nameClass(gaierror, "gaierror");

const eaiNames: Record<number, string> = {
  [-1]: "EAI_BADFLAGS", [-2]: "EAI_NONAME", [-3]: "EAI_AGAIN", [-4]: "EAI_FAIL", [-6]: "EAI_FAMILY",
  [-7]: "EAI_SOCKTYPE", [-8]: "EAI_SERVICE", [-10]: "EAI_MEMORY", [-11]: "EAI_SYSTEM", [-12]: "EAI_OVERFLOW",
  [-5]: "EAI_NODATA", [-9]: "EAI_ADDRFAMILY",
};

export class ValueError extends Exception {}
nameClass(ValueError, "ValueError");
export class UnicodeDecodeError extends ValueError {}
nameClass(UnicodeDecodeError, "UnicodeDecodeError");

/** Python's OverflowError (an ArithmeticError there; this module raises none of its siblings). */
export class OverflowError extends Exception {}
nameClass(OverflowError, "OverflowError");

/** A pending call ended by SIGINT (the notebook's stop button, Ctrl-C). */
export class KeyboardInterrupt extends BaseException {}
nameClass(KeyboardInterrupt, "KeyboardInterrupt");

/** JavaScript's own TypeError with Python's words and a one-line stack. */
export function typeError(message: string): TypeError {
  return shortenStack(new TypeError(message));
}

const classByErrno: Record<string, typeof OSError> = {
  EAGAIN: BlockingIOError, EALREADY: BlockingIOError, EINPROGRESS: BlockingIOError,
  EINTR: InterruptedError,
  EACCES: PermissionError, EPERM: PermissionError,
  EPIPE: BrokenPipeError, ESHUTDOWN: BrokenPipeError,
  ECONNABORTED: ConnectionAbortedError, ECONNREFUSED: ConnectionRefusedError, ECONNRESET: ConnectionResetError,
  ETIMEDOUT: TimeoutError,
};

/** The OSError subclass Python raises for this errno, with libc's strerror text. */
export function fromErrno(num: number): OSError {
  const cls = classByErrno[errnoName(num) ?? ""] ?? OSError;
  return new cls(num);
}

/** Python's socket timeout: TimeoutError("timed out") with no errno. */
export function timedOut(): TimeoutError {
  return new TimeoutError("timed out");
}

/** The error of a call on a closed socket. */
export function badFileDescriptor(): OSError {
  return fromErrno(errno.EBADF);
}
