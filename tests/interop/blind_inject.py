#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Blind in-window injection against a running TCP download (RFC 5961 attack tests).

Usage: blind_inject.py IFACE CLIENT SERVER PORT rst|syn

Run in the test's namespace on the kernel side of the TAP while the kernel (CLIENT) downloads
from natgate (SERVER:PORT). It learns the connection's 4-tuple and the client's sequence number
(natgate's RCV.NXT) from one segment the client sends, then forges from the client's address:
  rst: a RST at RCV.NXT + 1000, in the window but not exact (RFC 5961 3.2);
  syn: a SYN at a random sequence number (RFC 5961 4.2).
It captures natgate's answer and prints "CHALLENGE seq=S ack=A" for every pure ACK (no payload)
natgate sends on that connection within 2 s whose ACK field is RCV.NXT: the challenge ACK.
Exit 0 if one was seen, 1 if not, 2 if the connection was not found.
"""
import random
import time
import sys

from scapy.all import IP, TCP, AsyncSniffer, conf, send, sniff

conf.verb = 0


def main():
    iface, client, server, port, kind = sys.argv[1:6]
    port = int(port)
    seen = sniff(iface=iface, count=1, timeout=10,
                 filter=f"tcp and src host {client} and dst host {server} and dst port {port}"
                        " and tcp[13] & 0x17 == 0x10")
    if not seen:
        print("no client segment seen")
        return 2
    seg = seen[0]
    cport = seg[TCP].sport
    plen = len(seg[TCP].payload)
    rcv_nxt = (seg[TCP].seq + plen) & 0xFFFFFFFF
    print(f"connection {client}:{cport} -> {server}:{port}, RCV.NXT {rcv_nxt}")
    sn = AsyncSniffer(iface=iface,
                      filter=f"tcp and src host {server} and src port {port} and dst port {cport}")
    sn.start()
    if kind == "rst":
        forged = IP(src=client, dst=server) / TCP(sport=cport, dport=port, flags="R",
                                                  seq=(rcv_nxt + 1000) & 0xFFFFFFFF)
    else:
        forged = IP(src=client, dst=server) / TCP(sport=cport, dport=port, flags="S",
                                                  seq=random.getrandbits(32))
    send(forged)
    time.sleep(2)
    got = sn.stop()
    found = 0
    for p in got:
        t = p[TCP]
        if t.flags == "A" and len(t.payload) == 0 and t.ack == rcv_nxt:
            print(f"CHALLENGE seq={t.seq} ack={t.ack}")
            found += 1
    print(f"{len(got)} segments from the server, {found} challenge ACKs")
    return 0 if found else 1


sys.exit(main())
