"""CPython's side of the memory benchmark: RSS before and after opening COUNT UDP sockets.

  memory_peer.py COUNT HOST    prints "RESULT {json}" (rss before/after in bytes, count)
"""
import gc
import json
import socket
import sys


def rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    count, host = int(argv[0]), argv[1]
    # Warm up: the first sockets load whatever is lazily loaded; not counted.
    for _ in range(10):
        warm = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        warm.bind((host, 0))
        warm.close()
    gc.collect()
    before = rss()
    held = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((host, 0))
        held.append(sock)
    gc.collect()
    after = rss()
    print("RESULT", json.dumps({"count": len(held), "before": before, "after": after}), flush=True)
    for sock in held:
        sock.close()


if __name__ == "__main__":
    main(sys.argv[1:])
