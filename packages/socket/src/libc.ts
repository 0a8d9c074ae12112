// koffi bindings to the C library: the only file that declares foreign functions.
// Every pointer argument is a Buffer or typed array we own (sockaddr buffers, socklen_t
// cells, data buffers); callers validate sizes before calling, so the kernel never
// reads or writes outside them.
import { assertSupportedPlatform } from "./platform";
assertSupportedPlatform();

import koffi from "koffi";

const lib = koffi.load("libc.so.6");

/** struct addrinfo (LP64 layout), read back from getaddrinfo's result list. */
export const AddrInfo = koffi.struct("sockets_ts_addrinfo", {
  ai_flags: "int",
  ai_family: "int",
  ai_socktype: "int",
  ai_protocol: "int",
  ai_addrlen: "uint32_t",
  ai_addr: "void *",
  ai_canonname: "const char *",
  ai_next: "void *",
});

export interface AddrInfoRecord {
  ai_flags: number;
  ai_family: number;
  ai_socktype: number;
  ai_protocol: number;
  ai_addrlen: number;
  ai_addr: unknown;
  ai_canonname: string | null;
  ai_next: unknown;
}

type Ptr = Uint8Array | Uint32Array | Int32Array | null;

export const socket = lib.func("int socket(int domain, int type, int protocol)") as (d: number, t: number, p: number) => number;
export const bind = lib.func("int bind(int fd, const void *addr, uint32_t len)") as (fd: number, addr: Uint8Array, len: number) => number;
export const listen = lib.func("int listen(int fd, int backlog)") as (fd: number, backlog: number) => number;
export const accept4 = lib.func("int accept4(int fd, void *addr, void *len, int flags)") as (
  fd: number, addr: Uint8Array, len: Uint32Array, flags: number) => number;
export const connect = lib.func("int connect(int fd, const void *addr, uint32_t len)") as (fd: number, addr: Uint8Array, len: number) => number;
export const send = lib.func("intptr_t send(int fd, const void *buf, size_t len, int flags)") as (
  fd: number, buf: Uint8Array, len: number, flags: number) => number;
export const sendto = lib.func("intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t alen)") as (
  fd: number, buf: Uint8Array, len: number, flags: number, addr: Uint8Array, alen: number) => number;
export const recv = lib.func("intptr_t recv(int fd, void *buf, size_t len, int flags)") as (
  fd: number, buf: Uint8Array, len: number, flags: number) => number;
export const recvfrom = lib.func("intptr_t recvfrom(int fd, void *buf, size_t len, int flags, void *addr, void *alen)") as (
  fd: number, buf: Uint8Array, len: number, flags: number, addr: Ptr, alen: Ptr) => number;
export const shutdown = lib.func("int shutdown(int fd, int how)") as (fd: number, how: number) => number;
export const close = lib.func("int close(int fd)") as (fd: number) => number;
export const getsockname = lib.func("int getsockname(int fd, void *addr, void *len)") as (fd: number, addr: Uint8Array, len: Uint32Array) => number;
export const getpeername = lib.func("int getpeername(int fd, void *addr, void *len)") as (fd: number, addr: Uint8Array, len: Uint32Array) => number;
export const setsockopt = lib.func("int setsockopt(int fd, int level, int name, const void *val, uint32_t len)") as (
  fd: number, level: number, name: number, val: Uint8Array, len: number) => number;
export const getsockopt = lib.func("int getsockopt(int fd, int level, int name, void *val, void *len)") as (
  fd: number, level: number, name: number, val: Uint8Array, len: Uint32Array) => number;
const fcntlVariadic = lib.func("int fcntl(int fd, int cmd, ...)");
/** fcntl(fd, cmd) or fcntl(fd, cmd, intArg). */
export function fcntl(fd: number, cmd: number, arg?: number): number {
  return arg === undefined ? fcntlVariadic(fd, cmd) : fcntlVariadic(fd, cmd, "int", arg);
}
export const inet_ntop = lib.func("void *inet_ntop(int af, const void *src, void *dst, uint32_t size)") as (
  af: number, src: Uint8Array, dst: Uint8Array, size: number) => unknown;
export const strerror = lib.func("const char *strerror(int errnum)") as (errnum: number) => string;
export const gai_strerror = lib.func("const char *gai_strerror(int errcode)") as (errcode: number) => string;
export const getaddrinfo = lib.func(
  "int getaddrinfo(const char *node, const char *service, const sockets_ts_addrinfo *hints, _Out_ void **res)") as (
  node: string | null, service: string | null, hints: Partial<AddrInfoRecord>, res: unknown[]) => number;
export const freeaddrinfo = lib.func("void freeaddrinfo(void *res)") as (res: unknown) => void;
/** clock_gettime(clock, ts): ts is two int64 (seconds, nanoseconds): struct timespec on 64-bit Linux. */
export const clock_gettime = lib.func("int clock_gettime(int clock, void *ts)") as (clock: number, ts: BigInt64Array) => number;

/** errno of the calling thread, as left by the last foreign call. Read it right after the call. */
export function errno(): number {
  return koffi.errno();
}

/** Reads one addrinfo node (and copies its sockaddr) from a pointer in getaddrinfo's list. */
export function readAddrInfo(ptr: unknown): { info: AddrInfoRecord; sockaddr: Uint8Array } {
  const info = koffi.decode(ptr, AddrInfo) as AddrInfoRecord;
  const sockaddr = new Uint8Array(koffi.view(info.ai_addr, info.ai_addrlen).slice(0));
  return { info, sockaddr };
}

/** Poll handles on libuv's own event loop (uv_poll_t): readiness without any thread. */
export const pollHandle = koffi.node.poll;
export type PollHandle = ReturnType<typeof koffi.node.poll>;
