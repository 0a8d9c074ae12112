"""CPython's side of the UDP rate benchmark (64-byte datagrams): one role per process.

  udp_peer.py recv HOST WARMUP_S WINDOW_S IDLE_S
      binds (HOST, 0), prints "READY <port>"; from the first datagram on, skips WARMUP_S seconds,
      counts what arrives during WINDOW_S seconds, then keeps counting until IDLE_S seconds pass
      with nothing, and prints "RESULT {json}" (window count and seconds, total received)
  udp_peer.py send HOST PORT SIZE SECONDS
      sends SIZE-byte datagrams with sendto() as fast as it can for SECONDS, prints the count sent
  udp_peer.py send HOST PORT SIZE SECONDS RATE
      the same paced to RATE datagrams/s: the bench's same-work run offers every receiver this load

Run with /usr/bin/python3 (the distribution's CPython), as a student would.
"""
import json
import socket
import struct
import sys
import time

CHECK_EVERY = 64  # read the clock once per 64 calls, as every peer does
# A paced sender sleeps once it is this far ahead of its schedule: bursts of at most ~0.5 ms,
# well inside a receive buffer.
PACE_SLACK = 0.0005


def receive(host, warmup, window, idle):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    print("READY", sock.getsockname()[1], flush=True)
    sock.settimeout(10)
    sock.recvfrom(2048)
    # From here on a kernel receive timeout: CPython keeps its plain blocking recvfrom()
    # (settimeout would add a poll() before every call).
    sock.settimeout(None)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", int(idle), int(idle % 1 * 1e6)))
    total = 1
    first = time.perf_counter()
    window_start = first + warmup
    window_end = window_start + window
    at_start = at_end = None
    try:
        while True:
            sock.recvfrom(2048)
            total += 1
            if total % CHECK_EVERY == 0:
                now = time.perf_counter()
                if at_start is None:
                    if now >= window_start:
                        at_start = (total, now, time.process_time())
                elif at_end is None and now >= window_end:
                    at_end = (total, now, time.process_time())
    except BlockingIOError:
        pass
    sock.close()
    result = {"total": total}
    if at_start and at_end:
        result.update(window=at_end[0] - at_start[0], seconds=at_end[1] - at_start[1], cpu=at_end[2] - at_start[2])
    print("RESULT", json.dumps(result), flush=True)


def send(host, port, size, seconds, rate=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    payload = bytes(size)
    address = (host, port)
    sent = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        sock.sendto(payload, address)
        sent += 1
        if sent % CHECK_EVERY == 0:
            now = time.perf_counter()
            if now >= deadline:
                break
            if rate is not None:
                ahead = sent / rate - (now - start)
                if ahead > PACE_SLACK:
                    time.sleep(ahead)
    sock.close()
    print("RESULT", json.dumps({"sent": sent}), flush=True)


def main(argv):
    if len(argv) == 5 and argv[0] == "recv":
        receive(argv[1], float(argv[2]), float(argv[3]), float(argv[4]))
    elif len(argv) in (5, 6) and argv[0] == "send":
        send(argv[1], int(argv[2]), int(argv[3]), float(argv[4]), float(argv[5]) if len(argv) == 6 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
