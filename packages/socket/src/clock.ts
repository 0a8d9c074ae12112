// The wall clock as the kernel stamps packets with it. tcpdump's timestamps are CLOCK_REALTIME
// taken as the frame passes the capture tap (during send()); a view asks "was this packet
// captured before this instant?", so its instants must be on that same clock, to the microsecond.
// Date.now() has millisecond steps, and tying performance.now() to one of its ticks (the first
// design) is off by up to a millisecond whenever the process is preempted inside the spin: then a
// view drew a packet sent just before it as "after", and showed the wire empty (1 calibration in
// ~300 under load here; T8, T11 and T13 drawn empty in one CI run). One clock_gettime costs ~0.3 µs.
import { clock_gettime } from "./libc";

const CLOCK_REALTIME = 0;
const timespec = new BigInt64Array(2);

/** CLOCK_REALTIME in microseconds, with its sub-microsecond part (a double keeps ~0.25 µs). */
export function realtimeUs(): number {
  clock_gettime(CLOCK_REALTIME, timespec);
  return Number(timespec[0]) * 1e6 + Number(timespec[1]) / 1e3;
}
