#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write seed inputs for natgate's fuzz targets into OUTDIR/TARGET/ (scapy builds the frames).

fuzz_stack_input: byte 0 is the mode (see fuzz_stack_input.c): 0x02 = one frame with our MAC,
0x01 = records [len_hi len_lo ctl frame...]. The stack is 10.0.0.2/24 with MAC 02:00:5e:00:00:02,
a UDP echo socket on port 7, gateway 10.0.0.1.
fuzz_wire: byte 0 picks the codec (0 eth, 1 arp, 2 ipv4, 3 icmp, 4 udp, 5 tcp); UDP and TCP
inputs start with the 8 bytes of source and destination address.
fuzz_http: byte 0 is the mode (bit 0: responses, else requests; bits 1-4: which responses answer
HEAD; bit 5: a small head buffer), the low nibble of byte 1 the count K of segment-length bytes (each + 1) that follow, then
the HTTP stream (see fuzz_http.c). Each message is written whole and split into segments.
"""
import os
import struct
import sys

from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, Raw, fragment

NG = "10.0.0.2"
PEER = "10.0.0.1"
NGMAC = "02:00:5e:00:00:02"
PEERMAC = "02:00:5e:00:00:01"


def write(outdir, target, name, data):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def records(frames, ctl=0x01, mode=0x01):
    out = bytes([mode])
    for fr in frames:
        b = bytes(fr)
        out += struct.pack("!HB", len(b), ctl) + b
    return out


def main():
    outdir = sys.argv[1]
    eth = Ether(src=PEERMAC, dst=NGMAC)
    arp_req = Ether(src=PEERMAC, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=PEERMAC, psrc=PEER, pdst=NG)
    arp_rep = eth / ARP(op=2, hwsrc=PEERMAC, psrc=PEER, hwdst=NGMAC, pdst=NG)
    ping = eth / IP(src=PEER, dst=NG) / ICMP(type=8, id=1, seq=1) / Raw(b"x" * 56)
    udp = eth / IP(src=PEER, dst=NG) / UDP(sport=5000, dport=7) / Raw(b"echo me")
    udp_closed = eth / IP(src=PEER, dst=NG) / UDP(sport=5000, dport=9) / Raw(b"closed")
    udp_far = eth / IP(src="198.51.100.7", dst=NG) / UDP(sport=5000, dport=7) / Raw(b"via gw")
    syn = eth / IP(src=PEER, dst=NG) / TCP(sport=5000, dport=80, flags="S", options=[
        ("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None), ("WScale", 7)])
    big = IP(src=PEER, dst=NG, id=77) / UDP(sport=5000, dport=7) / Raw(bytes(range(256)) * 12)
    frags = [eth / f for f in fragment(big, fragsize=1000)]
    err = eth / IP(src=PEER, dst=NG) / ICMP(type=3, code=4, nexthopmtu=1400) / \
        IP(src=NG, dst=PEER) / UDP(sport=7, dport=5000)

    t = "fuzz_stack_input"
    for name, fr in [("arp_req", arp_req), ("arp_rep", arp_rep), ("ping", ping), ("udp", udp),
                     ("udp_closed", udp_closed), ("udp_far", udp_far), ("syn", syn),
                     ("icmp_err", err)]:
        write(outdir, t, name, b"\x02" + bytes(fr))
    write(outdir, t, "frags", records(frags))
    write(outdir, t, "frags_reversed", records(list(reversed(frags))))
    write(outdir, t, "frags_timeout", records(frags[:1] + [frags[1]], ctl=0x01 | (35 << 2)))
    write(outdir, t, "arp_then_udp", records([arp_req, udp, udp_far, ping]))
    write(outdir, t, "arp_expire", records([arp_rep, udp], ctl=0x01 | (36 << 2)))
    # a whole TCP echo conversation; mode 0x19 = records, checksums repaired, ACK numbers set to
    # what the stack sent (its ISN is not known here)
    c = IP(src=PEER, dst=NG)
    conv = [arp_rep,
            eth / c / TCP(sport=5000, dport=7, flags="S", seq=1000, options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("WScale", 7)]),
            eth / c / TCP(sport=5000, dport=7, flags="A", seq=1001),
            eth / c / TCP(sport=5000, dport=7, flags="PA", seq=1001) / Raw(b"hello natgate"),
            eth / c / TCP(sport=5000, dport=7, flags="A", seq=1014),
            eth / c / TCP(sport=5000, dport=7, flags="FA", seq=1014),
            eth / c / TCP(sport=5000, dport=7, flags="A", seq=1015)]
    write(outdir, t, "tcp_conversation", records(conv, ctl=0x01 | (20 << 2), mode=0x19))
    write(outdir, t, "tcp_reset", records(conv[:3] + [eth / c / TCP(sport=5000, dport=7, flags="R", seq=1001)], mode=0x19))
    write(outdir, t, "repaired_udp", records([arp_rep, udp, udp_closed, ping], mode=0x09))

    t = "fuzz_wire"
    addrs = bytes(IP(src=PEER, dst=NG))[12:20]
    write(outdir, t, "eth", b"\x00" + bytes(udp)[:14])
    write(outdir, t, "arp", b"\x01" + bytes(arp_req[ARP]))
    write(outdir, t, "ipv4", b"\x02" + bytes(ping[IP]))
    write(outdir, t, "ipv4_opts", b"\x02" + bytes(IP(src=PEER, dst=NG, options=b"\x07\x07\x04\x00\x00\x00\x00\x00") / Raw(b"ab")))
    write(outdir, t, "icmp", b"\x03" + bytes(ping[ICMP]))
    write(outdir, t, "icmp_err", b"\x03" + bytes(err[ICMP]))
    write(outdir, t, "udp", b"\x04" + addrs + bytes(udp[UDP]))
    write(outdir, t, "tcp", b"\x05" + addrs + bytes(syn[TCP]))
    sack = IP(src=PEER, dst=NG) / TCP(sport=1, dport=2, flags="A", options=[
        ("NOP", None), ("NOP", None), ("SAck", (100, 200, 300, 400)), ("Timestamp", (5, 6))])
    write(outdir, t, "tcp_sack", b"\x05" + addrs + bytes(sack[TCP]))

    http_seeds(outdir)
    return 0


def http_seeds(outdir):
    """fuzz_http: requests as ng-httpd reads them, responses as ng-get reads them."""
    t = "fuzz_http"
    requests = {
        "get": b"GET /index.html HTTP/1.1\r\nHost: 10.0.0.2\r\nUser-Agent: seed\r\n\r\n",
        "get10_lf": b"\r\nGET /a%20b?q=1 HTTP/1.0\nConnection: keep-alive\n\n",
        "head_close": b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "put_length": b"PUT /up.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world",
        "put_expect": b"PUT /e HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\ndata",
        "post_chunked": b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"5;name=val\r\nhello\r\n6 ; q=\"x\"\r\n world\r\nA\r\n0123456789\r\n"
                        b"0\r\nX-Trailer: t\r\n\r\n",
        "pipelined": b"PUT /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
                     b"GET /a HTTP/1.1\r\nConnection: close\r\n\r\n",
        # RFC 9112 6.1: chunked in HTTP/1.0 is faulty framing: the connection closes after it
        "http10_chunked": b"PUT /t HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n"
                          b"\r\n2\r\nhi\r\n0\r\n\r\nGET /t HTTP/1.0\r\n\r\n",
        "pipelined_chunked": b"PUT /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"3\r\nxyz\r\n0\r\n\r\nGET /b HTTP/1.1\r\n\r\nHEAD /b HTTP/1.1\r\n\r\n",
    }
    responses = {
        "ok_length": (0x01, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
                            b"\r\nhello\n"),
        "ok_chunked": (0x01, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                             b"4;ext\r\nabcd\r\n0\r\nX-Sum: 1\r\nX-More: 2\r\n\r\n"),
        "continue_then_ok": (0x01, b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"
                                   b"Content-Length: 3\r\n\r\nOK\n"),
        "head_then_get": (0x03, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
                                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
        "no_content_then_ok": (0x01, b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 404 Not Found\r\n"
                                     b"Content-Length: 0\r\n\r\n"),
        "close_delimited": (0x01, b"HTTP/1.0 200 OK\nServer: x\n\nthe body runs to the close"),
    }
    # segment lengths (each + 1): a byte at a time, and uneven pieces
    splits = {"whole": b"", "bytes": b"\x00", "pieces": bytes([0, 6, 2, 30, 1])}
    for name, msg in requests.items():
        for sname, lens in splits.items():
            write(outdir, t, f"req_{name}_{sname}", bytes([0x00, len(lens)]) + lens + msg)
    for name, (mode, msg) in responses.items():
        for sname, lens in splits.items():
            write(outdir, t, f"resp_{name}_{sname}", bytes([mode, len(lens)]) + lens + msg)
    # bit 5: a 128-byte head buffer (high nibble of byte 1 = 0): a short request fits, the long
    # one after it does not (431)
    long_req = b"GET /" + b"x" * 150 + b" HTTP/1.1\r\n\r\n"
    write(outdir, t, "req_small_buffer", bytes([0x20, 0x01, 0x10]) + requests["get"] + long_req)
    write(outdir, t, "resp_small_buffer", bytes([0x21, 0x00]) + responses["ok_length"][1] +
          b"HTTP/1.1 200 OK\r\nX-Long: " + b"y" * 150 + b"\r\n\r\n")


if __name__ == "__main__":
    sys.exit(main())
