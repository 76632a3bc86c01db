#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Send malformed frames to natgate from the kernel side of a TAP (run inside the test's
namespace) and check which ones get answered.

malformed.py IFACE OUR_IP NATGATE_IP NATGATE_MAC [RANDOM_FRAMES]

Every probe carries its own ICMP id or UDP payload tag. Control probes (well-formed) must be
answered; malformed ones must not be (they are dropped). Then RANDOM_FRAMES scapy-fuzzed frames
(seeded) are sent with no expectation but survival, which the calling script checks.
Prints one line per probe ("ok ..." / "FAIL ...") and exits 1 if any failed.
"""
import random
import struct
import sys
import time

from scapy.all import (ARP, ICMP, IP, TCP, UDP, AsyncSniffer, Ether, Raw, conf, fuzz,
                       sendp)

conf.verb = 0


def main():
    iface, me, ng, ngmac = sys.argv[1:5]
    nrandom = int(sys.argv[5]) if len(sys.argv) > 5 else 300
    mymac = open(f"/sys/class/net/{iface}/address").read().strip()
    eth = Ether(src=mymac, dst=ngmac)
    eth_ip = Ether(src=mymac, dst=ngmac, type=0x0800)  # for raw IPv4 bytes (scapy can't infer it)
    probes = []  # (name, frames, kind, key, want_answer)

    def echo(ident, **ipargs):
        return IP(src=me, dst=ng, **ipargs) / ICMP(type=8, id=ident, seq=1) / Raw(b"natgate" * 4)

    def add_icmp(name, frames, ident, want):
        probes.append((name, frames, "icmp", ident, want))

    def add_udp(name, frames, tag, want):
        probes.append((name, frames, "udp", tag, want))

    def raw_ip(pkt, **edit):
        """Bytes of PKT (built, checksums right) with header fields edited afterwards."""
        b = bytearray(bytes(pkt))
        for k, v in edit.items():
            if k == "csum":
                b[10:12] = struct.pack("!H", v)
            elif k == "ihl":
                b[0] = (b[0] & 0xF0) | v
            elif k == "version":
                b[0] = (v << 4) | (b[0] & 0x0F)
            elif k == "totlen":
                b[2:4] = struct.pack("!H", v)
            if k != "csum":  # keep the header checksum right so only the edited field is wrong
                hl = min((b[0] & 0x0F) * 4, len(b))
                b[10:12] = b"\0\0"
                b[10:12] = struct.pack("!H", inet_csum(bytes(b[:hl])) if hl >= 20 else 0)
        return eth_ip / Raw(bytes(b))

    # ---- ICMP / IPv4 header ----
    add_icmp("control: well-formed echo request", [eth / echo(0x1001)], 0x1001, True)
    add_icmp("bad IPv4 header checksum", [eth / echo(0x1002, chksum=0xBEEF)], 0x1002, False)
    add_icmp("bad ICMP checksum",
             [eth / IP(src=me, dst=ng) / ICMP(type=8, id=0x1003, seq=1, chksum=0xBEEF) / Raw(b"x" * 16)],
             0x1003, False)
    add_icmp("IHL 4 (< 5)", [raw_ip(echo(0x1004), ihl=4)], 0x1004, False)
    add_icmp("IHL 15 past the datagram", [raw_ip(echo(0x1005), ihl=15)], 0x1005, False)
    add_icmp("IP version 6 in an IPv4 frame", [raw_ip(echo(0x1006), version=6)], 0x1006, False)
    add_icmp("total length beyond the frame", [raw_ip(echo(0x1007), totlen=1400)], 0x1007, False)
    add_icmp("total length below the header", [raw_ip(echo(0x1008), totlen=12)], 0x1008, False)
    # an option (timestamp, type 68) whose length runs past the 24-byte header
    opt = IP(src=me, dst=ng, options=[]) / ICMP(type=8, id=0x1009, seq=1) / Raw(b"o" * 8)
    b = bytearray(bytes(opt))
    b = b[:20] + bytes([68, 40, 5, 0]) + b[20:]
    b[0] = 0x46
    b[2:4] = struct.pack("!H", len(b))
    b[10:12] = b"\0\0"
    b[10:12] = struct.pack("!H", inet_csum(bytes(b[:24])))
    add_icmp("IP option length past the header", [eth_ip / Raw(bytes(b))], 0x1009, False)
    add_icmp("control: echo with a valid NOP/EOL option list",
             [eth / IP(src=me, dst=ng, options=b"\x01\x01\x01\x00") / ICMP(type=8, id=0x100A, seq=1)],
             0x100A, True)
    add_icmp("ICMP truncated to 4 bytes",
             [eth / IP(src=me, dst=ng, proto=1) / Raw(b"\x08\x00\xf7\xff")], 0x100B, False)
    add_icmp("source address is broadcast",
             [eth / IP(src="255.255.255.255", dst=ng) / ICMP(type=8, id=0x100C, seq=1)],
             0x100C, False)
    add_icmp("source address is multicast",
             [eth / IP(src="224.0.0.1", dst=ng) / ICMP(type=8, id=0x100D, seq=1)], 0x100D, False)
    add_icmp("destination MAC not natgate's",
             [Ether(src=mymac, dst="02:de:ad:be:ef:01") / echo(0x100E)], 0x100E, False)
    add_icmp("destination IP not natgate's",
             [eth / IP(src=me, dst="10.0.0.77") / ICMP(type=8, id=0x100F, seq=1)], 0x100F, False)

    # ---- fragments ----
    def frags(ident, pieces, ipid):
        """Fragments of an echo request: PIECES is a list of (start, end) byte ranges of the ICMP
        message; the last piece (by position in the datagram) has MF clear."""
        msg = bytes(ICMP(type=8, id=ident, seq=1) / Raw(bytes(range(256)) * 2))
        end_max = max(e for _, e in pieces)
        out = []
        for s, e in pieces:
            e = min(e, len(msg)) if e == end_max else e
            out.append(eth / IP(src=me, dst=ng, proto=1, id=ipid, frag=s // 8,
                                flags=0 if e >= len(msg) else "MF") / Raw(msg[s:e]))
        return out

    add_icmp("control: echo in 3 fragments, last first",
             list(reversed(frags(0x2001, [(0, 200), (200, 400), (400, 520)], 0x7001))), 0x2001, True)
    add_icmp("control: echo in 8-byte fragments",
             frags(0x2002, [(i, i + 8) for i in range(0, 520, 8)], 0x7002), 0x2002, True)
    add_icmp("overlapping fragments",
             frags(0x2003, [(0, 200), (160, 400), (400, 520)], 0x7003), 0x2003, False)
    add_icmp("overlapping fragment arriving before the hole is filled",
             frags(0x2004, [(0, 200), (400, 520), (192, 208), (200, 400)], 0x7004), 0x2004, False)
    # a fragment whose end passes 65535 bytes
    big = [eth / IP(src=me, dst=ng, proto=1, id=0x7005, flags="MF") / Raw(bytes(ICMP(type=8, id=0x2005)) + b"x" * 32),
           eth / IP(src=me, dst=ng, proto=1, id=0x7005, frag=8189) / Raw(b"y" * 100)]
    add_icmp("fragment ending past 65535 bytes", big, 0x2005, False)
    # a non-last fragment whose length is not a multiple of 8
    add_icmp("non-last fragment with a length not a multiple of 8",
             frags(0x2006, [(0, 13), (13, 520)], 0x7006)[:1] +
             [eth / IP(src=me, dst=ng, proto=1, id=0x7006, frag=2) / Raw(b"z" * 500)], 0x2006, False)

    # ---- UDP ----
    def udp(tag, **kw):
        return IP(src=me, dst=ng) / UDP(sport=40000, dport=7, **kw) / Raw(tag)

    add_udp("control: well-formed UDP to the echo port", [eth / udp(b"tag-ok-1")], b"tag-ok-1", True)
    add_udp("control: UDP checksum 0 (none, RFC 768)", [eth / udp(b"tag-zero-csum", chksum=0)],
            b"tag-zero-csum", True)
    add_udp("bad UDP checksum", [eth / udp(b"tag-badcsum", chksum=0x1234)], b"tag-badcsum", False)
    add_udp("UDP length field beyond the datagram", [eth / udp(b"tag-longlen", len=200)],
            b"tag-longlen", False)
    add_udp("UDP length field below 8", [eth / udp(b"tag-shortlen", len=4, chksum=0)],
            b"tag-shortlen", False)
    add_udp("UDP header truncated",
            [eth / IP(src=me, dst=ng, proto=17) / Raw(b"\x9c\x40\x00\x07\x00")], b"\x9c\x40", False)

    # ---- frames with no answer to look for; sent for survival ----
    junk = [
        Raw(b"\x01\x02\x03"),  # 3-byte frame
        Raw(bytes.fromhex(ngmac.replace(":", "")) + bytes(4)),  # 10 bytes, no ethertype
        eth_ip / Raw(b"\x45\x00\x00"),  # IPv4 ethertype, 3 bytes of header
        Ether(src=mymac, dst=ngmac, type=0x0806) / Raw(b"\x00\x01\x08\x00\x06"),  # truncated ARP
        Ether(src=mymac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwlen=8, psrc=me, pdst=ng),
        Ether(src=mymac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=9, psrc=me, pdst=ng),
        Ether(src=mymac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, ptype=0x86DD, psrc=me, pdst=ng),
        Ether(src=mymac, dst="ff:ff:ff:ff:ff:ff", type=0x86DD) / Raw(b"\x60" + bytes(60)),
        Ether(src=mymac, dst=ngmac, type=0x8100) / Raw(bytes(50)),
        eth / IP(src=me, dst=ng, proto=6) / TCP(sport=40000, dport=80, flags="S"),
        eth / IP(src=me, dst=ng, proto=6) / Raw(b"\x00\x01"),
        eth / IP(src=me, dst=ng, proto=253) / Raw(b"experimental"),
        eth / IP(src=me, dst=ng, ttl=0) / ICMP(type=13),
        eth / IP(src=me, dst=ng) / ICMP(type=3, code=3) / Raw(b"\x45\x00"),  # error with a stub
    ]
    probes.append(("assorted truncated/unsupported frames", junk, None, None, None))
    # ARP: a malformed request for natgate's address must not be answered
    probes.append(("ARP request with hardware length 8",
                   [Ether(src=mymac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwlen=8, psrc="10.0.0.9", pdst=ng)],
                   "arp", "10.0.0.9", False))
    probes.append(("control: ARP request from 10.0.0.8",
                   [Ether(src=mymac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=mymac, psrc="10.0.0.8", pdst=ng)],
                   "arp", "10.0.0.8", True))

    sniffer = AsyncSniffer(iface=iface, store=True,
                           lfilter=lambda p: p.haslayer(Ether) and p[Ether].src.lower() == ngmac.lower())
    sniffer.start()
    time.sleep(0.5)
    sock = conf.L2socket(iface=iface)
    for _, frames, _, _, _ in probes:
        for f in frames:
            sock.send(f)
            time.sleep(0.002)
    time.sleep(1.5)

    # the fuzzed ones, seeded so a failure can be replayed
    random.seed(862)
    templates = [
        lambda: eth / fuzz(IP(src=me, dst=ng) / ICMP()),
        lambda: eth / fuzz(IP(src=me, dst=ng) / UDP()),
        lambda: eth / IP(src=me, dst=ng) / fuzz(UDP(dport=7)),
        lambda: eth / fuzz(IP(src=me, dst=ng, proto=1, flags="MF", frag=random.randint(0, 8191))),
        lambda: Ether(src=mymac, dst="ff:ff:ff:ff:ff:ff") / fuzz(ARP()),
        lambda: eth / IP(src=me, dst=ng) / fuzz(TCP()),
        lambda: eth / Raw(bytes(random.getrandbits(8) for _ in range(random.randint(0, 200)))),
    ]
    sent_random = 0
    for i in range(nrandom):
        try:
            f = random.choice(templates)()
            sock.send(f)
            sent_random += 1
        except Exception:  # scapy could not build this one (e.g. impossible field values)
            pass
        if i % 20 == 0:
            time.sleep(0.01)
    time.sleep(0.5)
    sniffer.stop()
    sock.close()
    got = sniffer.results or []

    def answered(kind, key):
        for p in got:
            if kind == "icmp" and p.haslayer(ICMP) and p[ICMP].type == 0 and p[ICMP].id == key:
                return True
            if kind == "udp" and p.haslayer(UDP) and p[UDP].sport == 7 and key in bytes(p[UDP].payload):
                return True
            if kind == "arp" and p.haslayer(ARP) and p[ARP].op == 2 and p[ARP].pdst == key:
                return True
        return False

    failed = 0
    for name, _, kind, key, want in probes:
        if kind is None:
            print(f"ok {name}: sent")
            continue
        a = answered(kind, key)
        if a == want:
            print(f"ok {name}: {'answered' if a else 'not answered'}")
        else:
            print(f"FAIL {name}: {'answered' if a else 'not answered'}, expected the opposite")
            failed += 1
    print(f"ok {sent_random} fuzzed frames sent")
    return 1 if failed else 0


def inet_csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


if __name__ == "__main__":
    sys.exit(main())
