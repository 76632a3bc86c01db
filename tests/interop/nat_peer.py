# SPDX-License-Identifier: MIT
"""Small peers for the NAT interop tests (run with Debian's /usr/bin/python3).

  udpsrv PORT SECONDS          UDP server: answers each datagram with "PEER_IP:PEER_PORT" and
                               prints one line per datagram "got PEER_IP:PEER_PORT" (flushed)
  udpreq ADDR PORT [SPORT]     send one datagram (from SPORT if given), print the reply; exit 1
                               on timeout (3 tries, 1 s each)
  udpsend ADDR PORT SPORT      send one datagram from SPORT, no reply expected
"""
import socket
import sys
import time


def udpsrv(port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    end = time.time() + seconds
    while time.time() < end:
        s.settimeout(max(0.1, end - time.time()))
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            break
        line = "%s:%d" % peer
        print("got " + line, flush=True)
        s.sendto(line.encode(), peer)


def udpreq(addr, port, sport=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sport:
        s.bind(("0.0.0.0", sport))
    s.settimeout(1.0)
    for _ in range(3):
        s.sendto(b"hello", (addr, port))
        try:
            data, _peer = s.recvfrom(65535)
            print(data.decode())
            return 0
        except socket.timeout:
            continue
    print("timeout", file=sys.stderr)
    return 1


def main():
    mode = sys.argv[1]
    if mode == "udpsrv":
        udpsrv(int(sys.argv[2]), float(sys.argv[3]))
        return 0
    if mode == "udpreq":
        return udpreq(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else None)
    if mode == "udpsend":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(sys.argv[4])))
        s.sendto(b"x", (sys.argv[2], int(sys.argv[3])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
