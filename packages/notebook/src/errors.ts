// One base class for the views' errors, with a stable `code`, printed as one line the way
// Python words its errors (a notebook cell shows `ValueError: ...`, never this package's stack).
import { inspect } from "node:util";

export class NotebookError extends Error {
  readonly code: string;
  constructor(code: string, name: string, message: string) {
    super(message);
    this.code = code;
    const line = `${name}: ${message}`;
    for (const [key, value] of [["name", name], ["stack", line], [inspect.custom, () => line]] as const) {
      Object.defineProperty(this, key, { value, writable: true, configurable: true, enumerable: false });
    }
  }
}

/** A bad argument (unknown host, protocol): Python's ValueError. */
export class ValueError extends NotebookError {
  constructor(message: string) {
    super("ERR_NOTEBOOK_VALUE", "ValueError", message);
  }
}

/** A pcap stream that is not one (bad magic, a truncated record): the capture stops and says so. */
export class PcapFormatError extends NotebookError {
  constructor(message: string) {
    super("ERR_NOTEBOOK_PCAP", "PcapFormatError", message);
  }
}
