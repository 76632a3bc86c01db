#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Kernel-side UDP client for the interop tests.

udp_client.py echo HOST PORT SIZE...   send one datagram of each SIZE (deterministic bytes) on a
                                       connected socket; the echo must come back byte-exact.
udp_client.py refused HOST PORT        send to a closed port; the connected socket must then
                                       report ECONNREFUSED (from natgate's ICMP port unreachable).
udp_client.py flood HOST PORT N        send N datagrams to a closed port as fast as possible and
                                       count the ICMP port unreachables that come back (raw
                                       socket, needs root); prints "sent N in S s, got K".
Prints one line per check ("ok ..." / "FAIL ...") and exits 1 if any check failed.
"""
import errno
import socket
import sys
import time


def payload(size, salt):
    # a pattern that differs per size and position, so swapped or shifted bytes show
    return bytes(((i * 7 + size + salt) ^ (i >> 8)) & 0xFF for i in range(size))


def echo(host, port, sizes):
    failed = 0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.connect((host, port))
    s.settimeout(3.0)
    for size in sizes:
        data = payload(size, 1)
        got = None
        for attempt in range(2):
            s.send(data)
            try:
                got = s.recv(65536)
                break
            except socket.timeout:
                print(f"note: no echo of {size} bytes within 3 s (attempt {attempt + 1})")
        if got is None:
            print(f"FAIL {size}: no echo")
            failed += 1
        elif got != data:
            diff = next((i for i in range(min(len(got), len(data))) if got[i] != data[i]),
                        min(len(got), len(data)))
            print(f"FAIL {size}: echo of {len(got)} bytes differs (first difference at {diff})")
            failed += 1
        else:
            print(f"ok {size}: exact echo")
    # nothing extra may arrive (no duplicate echoes)
    s.settimeout(0.3)
    try:
        extra = s.recv(65536)
        print(f"FAIL: unexpected extra datagram of {len(extra)} bytes")
        failed += 1
    except socket.timeout:
        print("ok: no extra datagrams")
    return failed


def refused(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    s.settimeout(3.0)
    s.send(b"is anybody there?")
    try:
        data = s.recv(65536)
        print(f"FAIL: got {len(data)} bytes back from closed port {port}")
        return 1
    except ConnectionRefusedError:
        print(f"ok: ECONNREFUSED on recv from closed port {port}")
        return 0
    except socket.timeout:
        print(f"FAIL: no error within 3 s for closed port {port} (no ICMP port unreachable?)")
        return 1
    except OSError as e:
        print(f"FAIL: recv raised {errno.errorcode.get(e.errno, e.errno)}, wanted ECONNREFUSED")
        return 1


def flood(host, port, n):
    icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    icmp.settimeout(0.2)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # unconnected: a connected socket would stop at the first ECONNREFUSED
    t0 = time.monotonic()
    for i in range(n):
        s.sendto(b"flood %d" % i, (host, port))
    elapsed = time.monotonic() - t0
    got = 0
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        try:
            pkt = icmp.recv(2048)
        except socket.timeout:
            continue
        ihl = (pkt[0] & 15) * 4
        src = socket.inet_ntoa(pkt[12:16])
        if src == host and len(pkt) >= ihl + 2 and pkt[ihl] == 3 and pkt[ihl + 1] == 3:
            got += 1
    print(f"sent {n} in {elapsed:.3f} s, got {got}")
    return 0


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "echo":
        return 1 if echo(host, port, [int(x) for x in sys.argv[4:]]) else 0
    if mode == "refused":
        return refused(host, port)
    if mode == "flood":
        return flood(host, port, int(sys.argv[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
