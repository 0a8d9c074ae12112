// The socket object: Python's socket.socket on a non-blocking Linux descriptor.
// Every call first tries the system call synchronously (as fast as CPython); only when the
// kernel says EAGAIN / EINPROGRESS does it wait for readiness (readiness.ts) and try again.
// Calls that may wait return Promises; the event loop never blocks.
import { inspect } from "node:util";
import { AddressInput, encodeAddress } from "./address";
import { optionalCInt, toBufsize, toCInt, toInteger } from "./args";
import { Bytes, asBytesLike, pythonTypeName } from "./bytes";
import {
  AF_INET, AF_INET6, MSG_DONTWAIT, MSG_NOSIGNAL, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_STREAM, SOL_SOCKET, SO_ERROR,
  familyNames, typeNames,
} from "./constants";
import { OSError, OverflowError, ValueError, badFileDescriptor, errno as E, fromErrno, typeError } from "./errors";
import * as libc from "./libc";
import { Direction, FdWatch } from "./readiness";
import { Address, SOCKADDR_STORAGE_SIZE, decodeSockaddr, parseDottedQuad } from "./sockaddr";

const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;

/** Largest single read: a receive of more bytes returns at most this much (always >= one datagram). */
const MAX_READ = 4 * 1024 * 1024;

/**
 * Receives up to this size go through the shared scratch buffer and are copied out at their exact
 * size; bigger ones get a buffer of their own that the kernel fills directly (one copy fewer: bulk
 * TCP reads with recv(65536) keep pace with CPython, which also receives straight into the result).
 */
const SCRATCH_READ = 16 * 1024;

/** Reused by small receives: the kernel writes here, then exactly the received bytes are copied out. */
let scratch = Buffer.allocUnsafeSlow(64 * 1024);
function scratchOf(size: number): Buffer {
  if (scratch.length < size) scratch = Buffer.allocUnsafeSlow(Math.min(MAX_READ, Math.max(size, scratch.length * 2)));
  return scratch;
}
const nameBuf = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
const nameLen = new Uint32Array(1);
const intBuf = Buffer.alloc(4);

/** Python's socket.getdefaulttimeout(): the timeout new sockets start with. */
let defaultTimeout: number | null = null;

/**
 * The descriptor and its readiness watch: what a garbage-collected socket must release. The
 * watch is made at the first wait, so a socket that never waits costs no more than its fields.
 */
interface Descriptor {
  fd: number;
  watch: FdWatch | null;
}

function watchOf(desc: Descriptor): FdWatch {
  return (desc.watch ??= new FdWatch(desc.fd));
}

// A socket that is garbage-collected without close() does not keep its descriptor.
const finalizer = new FinalizationRegistry<Descriptor>((desc) => releaseDescriptor(desc));

function releaseDescriptor(desc: Descriptor): void {
  if (desc.fd < 0) return;
  const fd = desc.fd;
  desc.fd = -1;
  desc.watch?.dispose(badFileDescriptor());
  libc.close(fd);
}

function checkTimeout(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "number") {
    throw typeError(`'${pythonTypeName(value)}' object cannot be interpreted as an integer`);
  }
  if (Number.isNaN(value)) throw new ValueError("Invalid value NaN (not a number)");
  if (value < 0) throw new ValueError("Timeout value out of range");
  if (!Number.isFinite(value)) throw new OverflowError("timeout doesn't fit into C timeval");
  return value;
}

/** Python's socket.setdefaulttimeout(seconds | null). */
export function setdefaulttimeout(seconds: number | null): void {
  defaultTimeout = checkTimeout(seconds);
}

/** Python's socket.getdefaulttimeout(). */
export function getdefaulttimeout(): number | null {
  return defaultTimeout;
}

export class Socket {
  readonly family: number;
  readonly type: number;
  readonly proto: number;
  readonly #desc: Descriptor;
  #timeout: number | null;
  #lastHost: string | undefined;
  #lastPort: number | undefined;
  #lastSockaddr: Buffer | undefined;

  /**
   * Python's socket.socket(family, type, proto, fileno): a new socket, or (fileno given) one
   * wrapping an existing socket descriptor, which it then owns.
   */
  constructor(family: number = AF_INET, type: number = SOCK_STREAM, proto = 0, fileno?: number) {
    const fam = toCInt(family);
    const typ = toCInt(type);
    const pro = toCInt(proto);
    if (fam !== AF_INET && fam !== AF_INET6) {
      throw new ValueError(`socket(): family must be AF_INET (${AF_INET}) or AF_INET6 (${AF_INET6}), not ${fam}`);
    }
    let fd: number;
    if (fileno === undefined || fileno === null) {
      fd = libc.socket(fam, typ | SOCK_NONBLOCK | SOCK_CLOEXEC, pro);
      if (fd < 0) throw fromErrno(libc.errno());
    } else {
      fd = toCInt(fileno);
      if (fd < 0) throw new ValueError(`negative file descriptor`);
      const flags = libc.fcntl(fd, F_GETFL);
      if (flags < 0) throw fromErrno(libc.errno());
      if ((flags & O_NONBLOCK) === 0 && libc.fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) throw fromErrno(libc.errno());
    }
    this.family = fam;
    this.type = typ & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    this.proto = pro;
    this.#timeout = typ & SOCK_NONBLOCK ? 0 : defaultTimeout;
    this.#desc = { fd, watch: null };
    finalizer.register(this, this.#desc, this.#desc);
  }

  /** The descriptor, or OSError EBADF once closed (what the kernel says for fd -1). */
  #fd(): number {
    if (this.#desc.fd < 0) throw badFileDescriptor();
    return this.#desc.fd;
  }

  #check(rc: number): number {
    if (rc < 0) throw fromErrno(libc.errno());
    return rc;
  }

  #deadline(): number | null {
    return this.#timeout === null || this.#timeout === 0 ? null : performance.now() + this.#timeout * 1000;
  }

  /**
   * Runs a non-blocking system call: on success the count comes back synchronously (no promise,
   * no extra tick on the data path); otherwise a Promise that waits for readiness between
   * attempts, honours the timeout (0 = BlockingIOError at once) and MSG_DONTWAIT.
   * `deadline` undefined = this socket's timeout from the moment waiting starts.
   */
  #io(direction: Direction, call: string, flags: number, op: (fd: number) => number, deadline?: number | null): number | Promise<number> {
    const rc = op(this.#fd());
    if (rc >= 0) return rc;
    const err = libc.errno();
    return this.#ioSlow(direction, call, flags, op, deadline === undefined ? this.#deadline() : deadline, err);
  }

  async #ioSlow(direction: Direction, call: string, flags: number, op: (fd: number) => number, deadline: number | null, err: number): Promise<number> {
    for (;;) {
      if (err !== E.EINTR) {
        if (err !== E.EAGAIN || this.#timeout === 0 || flags & MSG_DONTWAIT) throw fromErrno(err);
        // Straight to a readiness wait: it costs about what one event-loop turn does now that the
        // poll handle stays armed between waits, the SIGINT listener lingers and deadlines share
        // a timer (readiness.ts, interrupt.ts); a turn first and a retry would add a system call.
        await watchOf(this.#desc).wait(direction, deadline, call);
      }
      const rc = op(this.#fd());
      if (rc >= 0) return rc;
      err = libc.errno();
    }
  }

  /** The sockaddr for an address argument; numeric IPv4 pairs are cached (loops send to one peer). */
  #sockaddr(address: unknown, call: string): Buffer {
    if (Array.isArray(address) && address.length === 2 && address[0] === this.#lastHost && address[1] === this.#lastPort && this.#lastSockaddr) {
      return this.#lastSockaddr;
    }
    const sa = encodeAddress(this.family, address, call);
    if (this.family === AF_INET && parseDottedQuad((address as unknown[])[0]) !== null) {
      this.#lastHost = (address as unknown[])[0] as string;
      this.#lastPort = (address as unknown[])[1] as number;
      this.#lastSockaddr = sa;
    }
    return sa;
  }

  bind(address: AddressInput): void {
    const fd = this.#fd();
    const sa = encodeAddress(this.family, address, "bind");
    this.#check(libc.bind(fd, sa, sa.length));
  }

  listen(backlog = 128): void {
    const fd = this.#fd();
    this.#check(libc.listen(fd, Math.max(0, toCInt(backlog))));
  }

  /** Waits for a connection: [the new connected socket, the peer's address]. */
  async accept(): Promise<[Socket, Address]> {
    // The peer address is decoded inside the call: other calls may reuse nameBuf before the await resumes.
    let peer: Address | undefined;
    const fd = await this.#io("read", "accept()", 0, (own) => {
      nameLen[0] = SOCKADDR_STORAGE_SIZE;
      const rc = libc.accept4(own, nameBuf, nameLen, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (rc >= 0) peer = decodeSockaddr(nameBuf, nameLen[0]);
      return rc;
    });
    const conn = new Socket(this.family, this.type, this.proto, fd);
    // Python: the new socket gets the default timeout, not the listener's.
    conn.#timeout = defaultTimeout;
    return [conn, peer as Address];
  }

  /** Connects (TCP: the three-way handshake); a refused connection is ConnectionRefusedError. */
  async connect(address: AddressInput): Promise<void> {
    const fd = this.#fd();
    const sa = encodeAddress(this.family, address, "connect");
    const rc = libc.connect(fd, sa, sa.length);
    if (rc === 0) return;
    const err = libc.errno();
    if (err !== E.EINPROGRESS && err !== E.EINTR) throw fromErrno(err);
    if (this.#timeout === 0) throw fromErrno(err);
    await watchOf(this.#desc).wait("write", this.#deadline(), "connect()");
    // Ask connect() again rather than SO_ERROR: it reports the outcome and, after a failure,
    // returns the socket to "unconnected", so that a later connect() works (as in Python).
    if (libc.connect(fd, sa, sa.length) === 0) return;
    const outcome = libc.errno();
    if (outcome !== E.EISCONN) throw fromErrno(outcome);
  }

  /** Python's connect_ex: the errno instead of an exception (0 on success). */
  async connect_ex(address: AddressInput): Promise<number> {
    try {
      await this.connect(address);
      return 0;
    } catch (err) {
      if (err instanceof OSError && typeof err.errno === "number" && err.errno > 0) return err.errno;
      throw err;
    }
  }

  /** Sends what the kernel takes now (maybe less than all): the count of bytes sent. */
  async send(data: Uint8Array, flags = 0): Promise<number> {
    const bytes = asBytesLike(data);
    const f = optionalCInt(flags, 0);
    return this.#io("write", "send()", f, (fd) => libc.send(fd, bytes, bytes.length, f | MSG_NOSIGNAL));
  }

  /** Sends all the data (the timeout applies to the whole, as in Python 3.5+). */
  async sendall(data: Uint8Array, flags = 0): Promise<void> {
    const bytes = asBytesLike(data);
    const f = optionalCInt(flags, 0);
    let deadline: number | null | undefined;
    let offset = 0;
    do {
      const rest = offset === 0 ? bytes : bytes.subarray(offset);
      let sent = this.#io("write", "sendall()", f, (fd) => libc.send(fd, rest, rest.length, f | MSG_NOSIGNAL), deadline);
      if (typeof sent !== "number") {
        deadline ??= this.#deadline();
        sent = await sent;
      }
      offset += sent;
    } while (offset < bytes.length);
  }

  /** sendto(data, address) or sendto(data, flags, address): one datagram; the count of bytes sent. */
  sendto(data: Uint8Array, address: AddressInput): Promise<number>;
  sendto(data: Uint8Array, flags: number, address: AddressInput): Promise<number>;
  async sendto(data: Uint8Array, flagsOrAddress: number | AddressInput, maybeAddress?: AddressInput): Promise<number> {
    const bytes = asBytesLike(data);
    let f = 0;
    let address: unknown = flagsOrAddress;
    if (arguments.length >= 3) {
      f = toCInt(flagsOrAddress);
      address = maybeAddress;
    } else if (arguments.length < 2) {
      throw typeError(`sendto() takes 2 or 3 arguments (${arguments.length} given)`);
    }
    const fd = this.#fd();
    const sa = this.#sockaddr(address, "sendto");
    // First attempt inline (no closure): the path of every datagram while the socket can send.
    const sent = libc.sendto(fd, bytes, bytes.length, f | MSG_NOSIGNAL, sa, sa.length);
    if (sent >= 0) return sent;
    return this.#ioSlow("write", "sendto()", f, (own) => libc.sendto(own, bytes, bytes.length, f | MSG_NOSIGNAL, sa, sa.length), this.#deadline(), libc.errno());
  }

  /** Up to bufsize bytes (b'' when a TCP peer has shut down its sending side). */
  async recv(bufsize: number, flags = 0): Promise<Bytes> {
    const size = Math.min(toBufsize(bufsize, "recv"), MAX_READ);
    const f = optionalCInt(flags, 0);
    this.#fd();
    // Python's recv(0) returns b'' at once, without a system call that could wait.
    if (size === 0) return new Bytes(0);
    // A big receive owns its buffer; a small one copies out inside the call, because the shared
    // scratch buffer may be reused before the await resumes.
    const own = size > SCRATCH_READ ? Buffer.allocUnsafeSlow(size) : undefined;
    const fd = this.#fd();
    // First attempt inline (no closure): the path of every read while data is waiting.
    const first = tryRecv(fd, own, size, f);
    if (first !== undefined) return first;
    let data: Bytes | undefined;
    await this.#ioSlow("read", "recv()", f, (again) => {
      data = tryRecv(again, own, size, f);
      return data === undefined ? -1 : data.length;
    }, this.#deadline(), libc.errno());
    return data as Bytes;
  }

  /** [up to bufsize bytes, the sender's address]; the address is null on a TCP socket, as Python's None. */
  async recvfrom(bufsize: number, flags = 0): Promise<[Bytes, Address]> {
    const size = Math.min(toBufsize(bufsize, "recvfrom"), MAX_READ);
    const f = optionalCInt(flags, 0);
    const fd = this.#fd();
    // First attempt inline (no closure): the path of every datagram while some are waiting.
    const first = tryRecvfrom(fd, size, f);
    if (first !== undefined) return first;
    let result: [Bytes, Address] | undefined;
    await this.#ioSlow("read", "recvfrom()", f, (again) => {
      result = tryRecvfrom(again, size, f);
      return result === undefined ? -1 : 0;
    }, this.#deadline(), libc.errno());
    return result as [Bytes, Address];
  }

  /** Receives into buffer (up to nbytes, default its whole length): the count of bytes received. */
  async recv_into(buffer: ArrayBufferView, nbytes = 0, flags = 0): Promise<number> {
    const target = this.#intoTarget(buffer, nbytes, "recv_into");
    const f = optionalCInt(flags, 0);
    const fd = this.#fd();
    // First attempt inline (no closure): the path of every read while data is waiting.
    const got = libc.recv(fd, target, target.length, f);
    if (got >= 0) return got;
    return this.#ioSlow("read", "recv_into()", f, (again) => libc.recv(again, target, target.length, f), this.#deadline(), libc.errno());
  }

  /** Receives into buffer: [count of bytes received, the sender's address]. */
  async recvfrom_into(buffer: ArrayBufferView, nbytes = 0, flags = 0): Promise<[number, Address]> {
    const target = this.#intoTarget(buffer, nbytes, "recvfrom_into");
    const f = optionalCInt(flags, 0);
    this.#fd();
    const len = new Uint32Array(1);
    const addr = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
    const n = await this.#io("read", "recvfrom_into()", f, (fd) => {
      len[0] = SOCKADDR_STORAGE_SIZE;
      return libc.recvfrom(fd, target, target.length, f, addr, len);
    });
    return [n, len[0] === 0 ? (null as unknown as Address) : decodeSockaddr(addr, len[0])];
  }

  #intoTarget(buffer: unknown, nbytes: unknown, call: string): Uint8Array {
    if (!ArrayBufferView_is(buffer)) {
      throw typeError(`${call}() argument 1 must be read-write bytes-like object, not ${pythonTypeName(buffer)}`);
    }
    // A whole Uint8Array (Buffer, Bytes) is the target itself: no view object per call.
    const view = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const n = toInteger(nbytes);
    if (n < 0) throw new ValueError(`negative buffersize in ${call}`);
    if (n > view.length) throw new ValueError(`buffer too small for requested bytes`);
    return n === 0 ? view : view.subarray(0, n);
  }

  /** Ends sending (SHUT_WR), receiving (SHUT_RD) or both (SHUT_RDWR). */
  shutdown(how: number): void {
    const fd = this.#fd();
    this.#check(libc.shutdown(fd, toCInt(how)));
  }

  /** Closes the descriptor; a pending call on it ends with OSError EBADF. Closing twice does nothing. */
  close(): void {
    finalizer.unregister(this.#desc);
    releaseDescriptor(this.#desc);
  }

  /** Python's detach(): gives up the descriptor without closing it. */
  detach(): number {
    const fd = this.#desc.fd;
    if (fd < 0) return -1;
    finalizer.unregister(this.#desc);
    this.#desc.watch?.dispose(badFileDescriptor());
    this.#desc.fd = -1;
    return fd;
  }

  /** The descriptor number (-1 once closed). */
  fileno(): number {
    return this.#desc.fd;
  }

  get closed(): boolean {
    return this.#desc.fd < 0;
  }

  getsockname(): Address {
    const fd = this.#fd();
    nameLen[0] = SOCKADDR_STORAGE_SIZE;
    this.#check(libc.getsockname(fd, nameBuf, nameLen));
    return decodeSockaddr(nameBuf, nameLen[0]);
  }

  getpeername(): Address {
    const fd = this.#fd();
    nameLen[0] = SOCKADDR_STORAGE_SIZE;
    this.#check(libc.getpeername(fd, nameBuf, nameLen));
    return decodeSockaddr(nameBuf, nameLen[0]);
  }

  /** setsockopt(level, option, value): an integer value or raw bytes. */
  setsockopt(level: number, option: number, value: number | boolean | Uint8Array): void {
    const fd = this.#fd();
    const lvl = toCInt(level);
    const opt = toCInt(option);
    let buf: Uint8Array;
    if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
      intBuf.writeInt32LE(toCInt(value), 0);
      buf = intBuf;
    } else if (ArrayBufferView_is(value)) {
      buf = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    } else {
      throw typeError(`a bytes-like object is required, not '${pythonTypeName(value)}'`);
    }
    this.#check(libc.setsockopt(fd, lvl, opt, buf, buf.length));
  }

  /** getsockopt(level, option): the integer value; getsockopt(level, option, buflen): the raw bytes. */
  getsockopt(level: number, option: number): number;
  getsockopt(level: number, option: number, buflen: number): Bytes;
  getsockopt(level: number, option: number, buflen?: number): number | Bytes {
    const fd = this.#fd();
    const lvl = toCInt(level);
    const opt = toCInt(option);
    const len = new Uint32Array(1);
    if (buflen === undefined) {
      len[0] = 4;
      intBuf.fill(0);
      this.#check(libc.getsockopt(fd, lvl, opt, intBuf, len));
      return intBuf.readInt32LE(0);
    }
    const size = toCInt(buflen);
    if (size <= 0 || size > 1024) throw new OSError("getsockopt buflen out of range");
    const out = Buffer.alloc(size);
    len[0] = size;
    this.#check(libc.getsockopt(fd, lvl, opt, out, len));
    return Bytes.copyOf(out.subarray(0, len[0]));
  }

  /** null: calls wait as long as needed; 0: never wait (BlockingIOError); seconds: TimeoutError after that. */
  settimeout(seconds: number | null): void {
    this.#timeout = checkTimeout(seconds);
  }

  gettimeout(): number | null {
    return this.#timeout;
  }

  /** setblocking(true) = settimeout(null); setblocking(false) = settimeout(0). */
  setblocking(flag: boolean): void {
    this.#timeout = flag ? null : 0;
  }

  getblocking(): boolean {
    return this.#timeout !== 0;
  }

  /** Python's repr: <socket.socket fd=5, family=AF_INET, type=SOCK_DGRAM, proto=0, laddr=('10.10.0.101', 4000)>. */
  toString(): string {
    const fd = this.#desc.fd;
    const family = familyNames[this.family] ?? String(this.family);
    const type = typeNames[this.type] ?? String(this.type);
    let text = `<socket.socket${fd < 0 ? " [closed]" : ""} fd=${fd}, family=${family}, type=${type}, proto=${this.proto}`;
    if (fd >= 0) {
      try {
        text += `, laddr=${String(this.getsockname())}`;
      } catch {
        // no local address to show
      }
      try {
        text += `, raddr=${String(this.getpeername())}`;
      } catch {
        // not connected
      }
    }
    return text + ">";
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * One recv() attempt: the bytes, or undefined with errno as the call left it. A receive with its
 * own buffer keeps it (keepOrCopy); others use the shared scratch buffer and copy out at once,
 * because another call may reuse it before an await resumes.
 */
function tryRecv(fd: number, own: Buffer | undefined, size: number, flags: number): Bytes | undefined {
  const buf = own ?? scratchOf(size);
  const got = libc.recv(fd, buf, size, flags);
  if (got < 0) return undefined;
  return own ? keepOrCopy(own, got) : copyOut(buf, got);
}

/** One recvfrom() attempt: [bytes, sender], or undefined with errno as the call left it. */
function tryRecvfrom(fd: number, size: number, flags: number): [Bytes, Address] | undefined {
  const buf = scratchOf(size);
  nameLen[0] = SOCKADDR_STORAGE_SIZE;
  const got = libc.recvfrom(fd, buf, size, flags, nameBuf, nameLen);
  if (got < 0) return undefined;
  // No sender address (a TCP socket): null, as Python's None.
  const from = nameLen[0] === 0 ? (null as unknown as Address) : decodeSockaddr(nameBuf, nameLen[0]);
  return [copyOut(buf, got), from];
}

/** A Bytes holding the first n bytes the kernel wrote into buf. */
function copyOut(buf: Buffer, n: number): Bytes {
  if (n <= SMALL_COPY) {
    // A datagram-sized copy stays in JIT code: Buffer#copy would cost a native call (a third
    // of the copy's time at 64 bytes), and new Bytes(n) of up to 64 bytes lives on the JS heap.
    const out = new Bytes(n);
    for (let i = 0; i < n; i++) out[i] = buf[i];
    return out;
  }
  // Large copies skip the zero-filling of the new memory: every byte is overwritten at once.
  const out = n >= 4096 ? new Bytes(Buffer.allocUnsafeSlow(n).buffer, 0, n) : new Bytes(n);
  buf.copy(out, 0, 0, n);
  return out;
}
const SMALL_COPY = 64;

/**
 * The first n bytes of a receive's own buffer (from Buffer.allocUnsafeSlow: a whole ArrayBuffer).
 * Filled at least half: kept without a copy, the unused tail zeroed so that `.buffer` never shows
 * stale memory. Less: copied out at the exact size, so a short message does not hold a big buffer.
 */
function keepOrCopy(buf: Buffer, n: number): Bytes {
  if (n * 2 < buf.length) return copyOut(buf, n);
  if (n < buf.length) buf.fill(0, n);
  return new Bytes(buf.buffer, buf.byteOffset, n);
}

function ArrayBufferView_is(value: unknown): value is ArrayBufferView {
  return ArrayBuffer.isView(value);
}

/** Python's socket.socket(family=AF_INET, type=SOCK_STREAM, proto=0). */
export function socket(family: number = AF_INET, type: number = SOCK_STREAM, proto = 0): Socket {
  return new Socket(family, type, proto);
}
