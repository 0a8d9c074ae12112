"""CPython's side of the TCP bulk benchmark: one role per process.

  tcp_peer.py recv HOST LIMIT_S          listens on (HOST, 0), prints "READY <port>", then reads
                                         with recv(65536) until EOF or LIMIT_S seconds and prints
                                         "RESULT {json}" (bytes, seconds from accept to the end)
  tcp_peer.py recv_into HOST LIMIT_S     the same with recv_into() into one reused 64 KiB buffer
  tcp_peer.py send HOST PORT BYTES       connects and sends BYTES with sendall() of 1 MiB chunks
  tcp_peer.py send HOST PORT BYTES MBPS  the same paced to MBPS (10^6 B/s) in 64 KiB chunks: the
                                         bench's same-work run offers every receiver this one load

Run with /usr/bin/python3 (the distribution's CPython), as a student would.
"""
import json
import socket
import struct
import sys
import time

CHUNK = 1 << 20
PACED_CHUNK = 1 << 16
# A paced sender sleeps once it is this far ahead of its schedule: bursts of at most ~0.5 ms.
PACE_SLACK = 0.0005
CHECK_EVERY = 64  # read the clock once per 64 calls, as every peer does


def receive(host, limit, into=False):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind((host, 0))
    server.listen(1)
    print("READY", server.getsockname()[1], flush=True)
    server.settimeout(limit)
    conn, _ = server.accept()
    # A kernel receive timeout instead of settimeout(): a stuck sender still ends the run, and
    # CPython keeps its plain blocking recv() (settimeout would add a poll() before every call).
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 2, 0))
    total = 0
    calls = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    deadline = start + limit
    ended = "eof"
    buffer = bytearray(65536)
    try:
        # Two loops, so that the recv() loop is exactly what a student writes.
        while into:
            n = conn.recv_into(buffer)
            if not n:
                break
            total += n
            calls += 1
            if calls % CHECK_EVERY == 0 and time.perf_counter() >= deadline:
                ended = "time limit"
                break
        while not into:
            data = conn.recv(65536)
            if not data:
                break
            total += len(data)
            calls += 1
            if calls % CHECK_EVERY == 0 and time.perf_counter() >= deadline:
                ended = "time limit"
                break
    except BlockingIOError:
        ended = "idle"
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    conn.close()
    server.close()
    print("RESULT", json.dumps({"bytes": total, "seconds": seconds, "cpu": cpu, "calls": calls, "ended": ended}), flush=True)


def send(host, port, count, mbps=None):
    sock = socket.create_connection((host, port))
    size = CHUNK if mbps is None else PACED_CHUNK
    chunk = bytes(size)
    left = count
    start = time.perf_counter()
    while left > 0:
        n = min(left, size)
        sock.sendall(chunk if n == size else chunk[:n])
        left -= n
        if mbps is not None:
            ahead = (count - left) / (mbps * 1e6) - (time.perf_counter() - start)
            if ahead > PACE_SLACK:
                time.sleep(ahead)
    sock.close()
    print("RESULT", json.dumps({"sent": count}), flush=True)


def main(argv):
    if len(argv) == 3 and argv[0] in ("recv", "recv_into"):
        receive(argv[1], float(argv[2]), argv[0] == "recv_into")
    elif len(argv) in (4, 5) and argv[0] == "send":
        send(argv[1], int(argv[2]), int(argv[3]), float(argv[4]) if len(argv) == 5 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
