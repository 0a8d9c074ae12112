// Bytes: what every receive returns. A Uint8Array that prints the way Python prints bytes
// (b'Hello'), plus the `b` tagged template for writing byte literals in a cell.
import { inspect } from "node:util";
import { UnicodeDecodeError, ValueError, typeError } from "./errors";

/** Python's repr of a bytes object: b'...' with \n \r \t \\ \xNN escapes. */
export function bytesRepr(data: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const byte of data) {
    if (byte === 0x27) hasSingle = true;
    else if (byte === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = "b" + quote;
  for (const byte of data) {
    if (byte === 0x5c) out += "\\\\";
    else if (byte === 0x27 && quote === "'") out += "\\'";
    else if (byte === 0x09) out += "\\t";
    else if (byte === 0x0a) out += "\\n";
    else if (byte === 0x0d) out += "\\r";
    else if (byte < 0x20 || byte >= 0x7f) out += "\\x" + byte.toString(16).padStart(2, "0");
    else out += String.fromCharCode(byte);
  }
  return out + quote;
}

export class Bytes extends Uint8Array {
  /** The text these bytes encode (UTF-8 unless told otherwise); invalid input is an error as in Python. */
  decode(encoding: "utf-8" | "utf8" | "ascii" | "latin-1" | "latin1" = "utf-8"): string {
    const enc = encoding.toLowerCase();
    if (enc === "latin-1" || enc === "latin1") return Buffer.from(this.buffer, this.byteOffset, this.length).toString("latin1");
    if (enc === "ascii") {
      const bad = this.findIndex((byte) => byte >= 0x80);
      if (bad >= 0) throw new UnicodeDecodeError(`'ascii' codec can't decode byte 0x${this[bad].toString(16)} in position ${bad}: ordinal not in range(128)`);
      return Buffer.from(this.buffer, this.byteOffset, this.length).toString("latin1");
    }
    if (enc !== "utf-8" && enc !== "utf8") throw new ValueError(`unknown encoding: ${encoding}`);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(this);
    } catch {
      throw new UnicodeDecodeError("'utf-8' codec can't decode these bytes: invalid UTF-8");
    }
  }

  override toString(): string {
    return bytesRepr(this);
  }

  [inspect.custom](): string {
    return bytesRepr(this);
  }

  /** Bytes holding a copy of any bytes-like value (Uint8Array, Buffer, ArrayBuffer view). */
  static copyOf(data: ArrayBufferView | ArrayBuffer): Bytes {
    const view = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const out = new Bytes(view.length);
    out.set(view);
    return out;
  }
}

/** Encodes text as bytes, one byte per character up to U+00FF (Python's latin-1 rule for byte literals). */
export function latin1Bytes(text: string): Bytes {
  const out = new Bytes(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new ValueError(`bytes must be in range(0, 256): character ${JSON.stringify(text[i])} (U+${code.toString(16).toUpperCase().padStart(4, "0")}) at position ${i} is not one byte; use new TextEncoder().encode(text) for UTF-8`);
    out[i] = code;
  }
  return out;
}

/**
 * A bytes literal: b`Hello` is Bytes [72, 101, 108, 108, 111]; \xNN escapes give any byte.
 * Interpolated values: bytes are spliced in, strings and numbers follow the same one-byte rule.
 */
export function b(strings: TemplateStringsArray, ...values: unknown[]): Bytes {
  const parts: Uint8Array[] = [];
  strings.forEach((cooked, i) => {
    if (cooked === undefined) throw new ValueError(`invalid escape sequence in b\`${strings.raw[i]}\``);
    parts.push(latin1Bytes(cooked));
    if (i < values.length) {
      const value = values[i];
      if (value instanceof Uint8Array) parts.push(value);
      else if (typeof value === "string" || typeof value === "number" || typeof value === "bigint") parts.push(latin1Bytes(String(value)));
      else throw typeError(`cannot put a value of type '${value === null ? "null" : typeof value}' in a bytes literal`);
    }
  });
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Bytes(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Python's type name of a JS value, for TypeError messages ('str', 'int', 'NoneType'...). */
export function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "string") return "str";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "bigint") return "int";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return "list";
  if (typeof value === "function") return "function";
  return (value as object).constructor?.name ?? "object";
}

/** The Uint8Array view of a value sent as data, or Python's TypeError for anything not bytes-like. */
export function asBytesLike(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw typeError(`a bytes-like object is required, not '${pythonTypeName(value)}'`);
}
