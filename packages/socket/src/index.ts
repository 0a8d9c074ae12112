// Re-exports only: the public face of the socket module (Python's socket API).
// platform.ts runs first (through libc.ts): elsewhere than Linux x64/arm64 the import fails.
export * from "./platform";
export * from "./constants";
export {
  OSError, BlockingIOError, InterruptedError, PermissionError, ConnectionError, BrokenPipeError,
  ConnectionAbortedError, ConnectionRefusedError, ConnectionResetError, TimeoutError, gaierror,
  ValueError, UnicodeDecodeError, OverflowError, KeyboardInterrupt, errno, strerror,
} from "./errors";
export { Bytes, b } from "./bytes";
export type { Address } from "./sockaddr";
export type { AddressInput } from "./address";
export { getaddrinfo, gethostbyname, gethostname } from "./resolve";
export type { AddrInfoEntry } from "./resolve";
export { Socket, socket, setdefaulttimeout, getdefaulttimeout } from "./socket";
export { realtimeUs } from "./clock";
/** Python's socket.timeout is TimeoutError since 3.10. */
export { TimeoutError as timeout } from "./errors";
