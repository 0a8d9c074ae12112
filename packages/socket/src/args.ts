// Argument checks shared by the socket calls: bad input becomes Python's error here,
// before anything reaches the C library.
import { pythonTypeName } from "./bytes";
import { OverflowError, ValueError, typeError } from "./errors";

/** An integer argument, or Python's TypeError ("'str' object cannot be interpreted as an integer"). */
export function toInteger(value: unknown): number {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new OverflowError("Python int too large to convert to C int");
    }
    return Number(value);
  }
  if (typeof value !== "number" || !Number.isInteger(value)) {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw typeError(`'float' object cannot be interpreted as an integer (got ${value})`);
    }
    throw typeError(`'${pythonTypeName(value)}' object cannot be interpreted as an integer`);
  }
  return value;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** An integer that fits a C int, as every flag, level and option argument must. */
export function toCInt(value: unknown): number {
  const n = toInteger(value);
  if (n > INT_MAX) throw new OverflowError("signed integer is greater than maximum");
  if (n < INT_MIN) throw new OverflowError("signed integer is less than minimum");
  return n;
}

/** An unsigned 32-bit value (IPv6 scope id). */
export function toUInt32(value: unknown, message: string): number {
  const n = toInteger(value);
  if (n < 0 || n > 0xffffffff) throw new OverflowError(message);
  return n;
}

/** Optional integer argument with a default. */
export function optionalCInt(value: unknown, fallback: number): number {
  return value === undefined ? fallback : toCInt(value);
}

/** A host-name argument: a string without NUL characters (C strings end at NUL). */
export function toHostString(value: unknown, what = "host"): string {
  if (typeof value !== "string") {
    throw typeError(`str, bytes or bytearray expected, not ${pythonTypeName(value)}`);
  }
  if (value.includes("\0")) throw new ValueError(`embedded null character in ${what}`);
  return value;
}

/** Python's limit on a receive size: a bufsize beyond a C int is refused before any allocation. */
export function toBufsize(value: unknown, call: string): number {
  const n = toInteger(value);
  if (n < 0) throw new ValueError(`negative buffersize in ${call}`);
  if (n > INT_MAX) throw new OverflowError(`${call}(): buffer size ${n} is too large (at most ${INT_MAX})`);
  return n;
}
