// The background capture: tcpdump on this host's LAN interface writes pcap to a pipe, parsed
// here into a bounded ring of packets (nothing touches the disk). It runs for the kernel's
// life and ends with it: tcpdump runs under a small sh that also watches its stdin, a pipe
// from this process, so when the kernel exits (even by SIGKILL) the pipe closes and the sh
// kills tcpdump. (prctl's parent-death signal would not do: it is cleared when sudo, a set-uid
// program, executes, and sudo itself would stay.)
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { sudoRefusal, sudoRuleMessage } from "@sockets-typescript/impair";
import { PcapStreamParser } from "./pcap";
import { decodePacket, SequenceTracker, type Packet } from "./packets";
import { realtimeUs } from "@sockets-typescript/socket";

/** The sh around tcpdump: "$@" are tcpdump's arguments. */
export const WATCHER_SCRIPT = [
  "exec 3<&0",
  'tcpdump "$@" </dev/null &',
  "t=$!",
  // The watcher: reading fd 3 (our stdin) returns only at end of file, when the kernel is gone.
  "( read _ <&3; kill $t ) >/dev/null 2>&1 &",
  "w=$!",
  "wait $t",
  "s=$?",
  "kill $w 2>/dev/null",
  'echo "tcpdump exited with status $s" >&2',
].join("\n");

export interface CaptureOptions {
  interface: string;
  /**
   * A pcap filter expression for tcpdump. Leave it out to capture every frame and choose in
   * `accept`: only then can flush() tell from the interface's packet counters that every frame
   * is in (a kernel filter hides the frames it refuses, so the counts could never agree).
   */
  filter?: string;
  /** Which decoded packets the views keep (the rest, e.g. ssh, are counted but not kept). */
  accept?: (packet: Packet) => boolean;
  /** Folder of the interface's rx_packets/tx_packets (default /sys/class/net/<interface>/statistics). */
  countersDir?: string;
  /** Run through `sudo -n` (a testbed's login user); root runs tcpdump directly. */
  sudo: boolean;
  /** Packets kept in memory at most (the oldest go first). */
  ringSize?: number;
  snapLength?: number;
  /** The program, for tests (default "tcpdump" on PATH). */
  tcpdump?: string;
}

export interface Boundary {
  position: number;
  timeUs: number;
}

export type CaptureState = "starting" | "running" | "failed";

/** tcpdump's argv (without the program). */
export function tcpdumpArgs(options: CaptureOptions): string[] {
  const args = ["-i", options.interface, "-n", "-U", "--immediate-mode", "-s", String(options.snapLength ?? 256), "-w", "-"];
  return options.filter ? [...args, options.filter] : args;
}

/** The whole command line: sh (under sudo -n when not root) running tcpdump and the watcher. */
export function captureArgv(options: CaptureOptions): string[] {
  const sh = ["sh", "-c", options.tcpdump ? WATCHER_SCRIPT.replace("tcpdump", options.tcpdump) : WATCHER_SCRIPT, "sh", ...tcpdumpArgs(options)];
  return options.sudo ? ["sudo", "-n", ...sh] : sh;
}

/** tcpdump's or sudo's words for why it did not capture, as one line. */
export function failureLine(stderr: string, options?: Pick<CaptureOptions, "sudo" | "interface">): string {
  // sudo's refusal: what is wanting is a sudo rule, and the message says which.
  const refused = options?.sudo ? sudoRefusal(stderr) : null;
  if (refused !== null) return sudoRuleMessage("the wire view's capture", `sh -c 'tcpdump -i ${options!.interface} ...'`, refused);
  const lines = stderr.split("\n").map((line) => line.trim()).filter((line) => line && !/^tcpdump: listening on /.test(line) && !/^tcpdump exited with status/.test(line));
  const exit = /tcpdump exited with status (\d+)/.exec(stderr);
  return lines[0] ?? (exit ? `tcpdump exited with status ${exit[1]}` : "tcpdump ended");
}

/** The packets' clock (CLOCK_REALTIME, microseconds): see the socket module's clock.ts. */
export { realtimeUs };

export class Capture {
  state: CaptureState = "starting";
  /** Why there is no capture, one line (null while it runs). */
  problem: string | null = null;
  readonly child: ChildProcess;
  /** When the last bytes came from tcpdump (ms, performance clock). */
  lastDataAt = 0;
  private readonly ring: Packet[] = [];
  private readonly ringSize: number;
  /** Packets decoded since the start; ring[0] has number `total - ring.length`. */
  private total = 0;
  /** Frames tcpdump delivered since it started (kept or not). */
  private frames = 0;
  /**
   * The interface's packet count (rx + tx) minus `frames` when tcpdump began listening: a
   * flush is complete when frames + offset reaches the count read at the flush. Null when the
   * counters cannot be read or a kernel filter is in use (then flush() waits for quiet instead).
   */
  private offset: number | null = null;
  private readonly parser = new PcapStreamParser();
  private readonly tracker = new SequenceTracker();
  private stderr = "";
  /** Recent delivery delays (ms), capture time to parse time: measured, for the bench and reports. */
  readonly delays: number[] = [];
  private readonly ready: Promise<void>;

  constructor(readonly options: CaptureOptions) {
    this.ringSize = options.ringSize ?? 5000;
    const [program, ...args] = captureArgv(options);
    // detached: a process group of its own, so a Ctrl-C meant for the kernel is not tcpdump's.
    this.child = spawn(program, args, { stdio: ["pipe", "pipe", "pipe"], detached: true });
    let readyResolve!: () => void;
    this.ready = new Promise((resolve) => (readyResolve = resolve));
    const fail = (problem: string) => {
      if (this.state !== "failed") {
        this.state = "failed";
        this.problem = problem;
      }
      readyResolve();
    };
    this.child.on("error", (error: NodeJS.ErrnoException) => fail(error.code !== "ENOENT" ? `${program}: ${error.message}`
      : program === "sudo" ? sudoRuleMessage("the wire view's capture", `sh -c 'tcpdump -i ${options.interface} ...'`, null) : `${program} is not installed on this host`));
    this.child.stdout!.on("data", (chunk: Buffer) => {
      this.lastDataAt = performance.now();
      const nowUs = realtimeUs();
      try {
        for (const record of this.parser.push(chunk)) {
          this.frames += 1;
          const packet = decodePacket(record, this.tracker);
          if (packet && (this.options.accept?.(packet) ?? true)) this.add(packet);
          this.delays.push(Math.max(0, (nowUs - record.timeUs) / 1000));
          if (this.delays.length > 50) this.delays.shift();
        }
      } catch (error) {
        fail((error as Error).message);
        this.stop();
      }
    });
    this.child.stderr!.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
      if (this.state === "starting" && /listening on /.test(this.stderr)) {
        this.state = "running";
        const counted = this.options.filter ? null : this.counted();
        this.offset = counted === null ? null : counted - this.frames;
        if (counted !== null) this.recalibrateWhenQuiet();
        readyResolve();
      }
      if (/tcpdump exited with status/.test(this.stderr)) fail(failureLine(this.stderr, options));
    });
    // "exit" can come before the last of stderr has been read (the shell's "not found" was then
    // missed, 2 runs in 10 under load): the reason is taken once stderr has closed, or after 1 s.
    this.child.on("exit", () => {
      const stderr = this.child.stderr!;
      if (stderr.destroyed || stderr.readableEnded) return fail(failureLine(this.stderr, options));
      const timer = setTimeout(() => fail(failureLine(this.stderr, options)), 1000);
      timer.unref();
      stderr.once("close", () => {
        clearTimeout(timer);
        fail(failureLine(this.stderr, options));
      });
    });
    // The kernel lives on without waiting for these (and a plain node script may exit).
    this.child.unref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
  }

  private add(packet: Packet): void {
    this.ring.push(packet);
    this.total += 1;
    if (this.ring.length > this.ringSize) this.ring.splice(0, this.ring.length - this.ringSize);
  }

  /** Resolves when tcpdump listens or has failed, at the latest after timeoutMs. */
  async started(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    if (this.state === "starting") {
      this.state = "failed";
      this.problem = `tcpdump did not start listening within ${timeoutMs / 1000} s`;
    }
  }

  /**
   * A window's end (or, from mark(), its start): the packets parsed so far, and the time now.
   * A window starting at a mark skips packets captured before the mark's time; one starting
   * where the previous view ended has time 0, so nothing is skipped.
   */
  boundary(): Boundary {
    return { position: this.total, timeUs: realtimeUs() };
  }

  /**
   * The packets from `from` on that were captured before `to`'s time, and where the next
   * window starts: at the first packet captured after `to` (a packet tcpdump delivers after the
   * view was drawn, but captured before it, is shown by the next view: none is ever skipped).
   */
  between(from: Boundary, to: Boundary): { packets: Packet[]; lost: number; next: Boundary } {
    const first = this.total - this.ring.length;
    const packets: Packet[] = [];
    let next = this.total;
    for (let i = Math.max(0, from.position - first); i < this.ring.length; i++) {
      const packet = this.ring[i];
      if (packet.timeUs < from.timeUs) continue;
      // The capture is in time order: the first packet after `to` starts the next window.
      if (packet.timeUs >= to.timeUs) {
        next = first + i;
        break;
      }
      packets.push(packet);
    }
    const lost = Math.max(0, first - from.position);
    return { packets, lost, next: { position: next, timeUs: 0 } };
  }

  /**
   * The offset taken when tcpdump began listening is off when packets crossed the link just then
   * (counted but not yet delivered: every later view would end one packet early; seen in a
   * walkthrough whose TCP kernels start while the UDP part runs). When the link has been quiet
   * for QUIET_TICKS ticks in a row (counters and parsed frames unchanged), everything counted has
   * been delivered: the offset is taken again. Why several ticks, decided in setImmediate: on a
   * loaded machine (2 cores, a class graded beside) tcpdump or this kernel may not run for a
   * while; a timer runs before the pipe's pending data is read, so one quiet-looking tick retook
   * the offset while frames were still on their way, and later views ended early (T11 drawn
   * empty, 1 run in 3 at load 5). Two small sysfs reads every 250 ms; the timer does not keep the
   * kernel alive.
   */
  private recalibrateWhenQuiet(): void {
    const QUIET_TICKS = 4;
    let last = this.counted();
    let lastFrames = this.frames;
    let quiet = 0;
    const timer: NodeJS.Timeout = setInterval(() => {
      if (this.state !== "running") return clearInterval(timer);
      // After the poll phase: whatever tcpdump wrote to the pipe meanwhile has been parsed.
      setImmediate(() => {
        const now = this.counted();
        quiet = now !== null && now === last && this.frames === lastFrames ? quiet + 1 : 0;
        if (quiet >= QUIET_TICKS) this.offset = (now as number) - this.frames;
        last = now;
        lastFrames = this.frames;
      });
    }, 250);
    timer.unref();
  }

  /** The interface's rx_packets + tx_packets, or null when they cannot be read. */
  counted(): number | null {
    const dir = this.options.countersDir ?? `/sys/class/net/${this.options.interface}/statistics`;
    try {
      return Number(readFileSync(`${dir}/rx_packets`, "utf8")) + Number(readFileSync(`${dir}/tx_packets`, "utf8"));
    } catch {
      return null;
    }
  }

  /**
   * Waits until every frame the interface has carried so far is parsed. The interface's own
   * counters say how many there are, so the wait ends as soon as tcpdump has delivered them
   * (0.2-0.7 ms on a quiet machine) and never too early on a loaded one: a wait on quiet alone
   * (the first design) once drew juliet's U5 view empty when tcpdump was scheduled late.
   * graceMs first lets an immediate answer (U5's ICMP) arrive; at most maxMs in all. Without
   * counters (a kernel filter, no sysfs) it waits until tcpdump has been quiet for idleMs.
   * Returns the time waited (ms). A packet that still comes later is shown by the next view.
   */
  async flush({ graceMs = 2, idleMs = 2, maxMs = 2000 } = {}): Promise<number> {
    const start = performance.now();
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    if (this.state !== "running") return 0;
    await sleep(graceMs);
    const counted = this.offset === null ? null : this.counted();
    if (counted === null || this.offset === null) {
      await sleep(4);
      while (performance.now() - start < Math.min(maxMs, 100) && performance.now() - this.lastDataAt < idleMs) await sleep(idleMs);
      return performance.now() - start;
    }
    while (this.frames + this.offset < counted && performance.now() - start < maxMs && this.state === "running") await sleep(1);
    // A frame tcpdump never delivered (its buffer overflowed), or one counted but not yet seen
    // when it began listening: count it as seen, so that only this view waited for it.
    if (this.frames + this.offset < counted) this.offset = counted - this.frames;
    return performance.now() - start;
  }

  /** Ends tcpdump now (closing its watcher's pipe ends it as the kernel's exit does). */
  stop(): void {
    this.child.stdin?.destroy();
  }
}
