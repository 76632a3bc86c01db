# SPDX-License-Identifier: MIT
"""Small peers for the NAT interop tests (run with Debian's /usr/bin/python3).

  udpsrv PORT SECONDS          UDP server: answers each datagram with "PEER_IP:PEER_PORT" and
                               prints one line per datagram "got PEER_IP:PEER_PORT" (flushed)
  udpreq ADDR PORT [SPORT]     send one datagram (from SPORT if given), print the reply; exit 1
                               on timeout (3 tries, 1 s each)
  udpsend ADDR PORT SPORT [SRC]  send one datagram from [SRC:]SPORT, no reply expected
  udpwait ADDR PORT SPORT SECS send one datagram from SPORT, then print "from IP:PORT" for every
                               datagram received within SECS
  refused ADDR PORT            a connected UDP socket: exit 0 if the send draws ECONNREFUSED
                               (a port unreachable that matched the socket's own 4-tuple)
  ttl ADDR PORT TTL            a connected UDP socket with IP_RECVERR sends with TTL; prints the
                               error and the ICMP offender address; exit 0 on EHOSTUNREACH
  simopen LADDR LPORT RADDR RPORT   bind LPORT, connect to RADDR:RPORT (retrying for 10 s),
                               exchange a line; exit 0 on success
  lateconnect ADDR PORT SECS   TCP connect; print the seconds until it failed and the error
  many ADDR PORT N             N connected UDP sockets, opened one after the other, each sends
                               one datagram; prints "ok K refused R silent S" and then whether
                               the first socket still gets answers ("first ok")
  sink PORT SECS               TCP: accept one connection on PORT (within SECS), read it to the
                               end (no read waits longer than SECS), print "SHA256 BYTES"
  source ADDR PORT FILE SECS   TCP: connect, send FILE, shut the write side, wait for the peer
                               to close; every step bounded by SECS
  txcsum IFACE on|off          switch the transmit checksum offload of IFACE (in this namespace)
                               as `ethtool -K IFACE tx on|off` would (TSO goes with it), then
                               print the setting read back
"""
import ctypes
import fcntl
import hashlib
import socket
import struct
import sys
import time


def sink(port, secs):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(1)
    s.settimeout(secs)
    c, _peer = s.accept()
    c.settimeout(secs)
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        h.update(b)
        n += len(b)
    print(h.hexdigest(), n)
    return 0


def source(addr, port, path, secs):
    c = socket.create_connection((addr, port), timeout=secs)
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            c.sendall(b)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)  # the sink closes once it has read everything
    c.close()
    return 0


SIOCETHTOOL = 0x8946
ETHTOOL_GTXCSUM = 0x16
ETHTOOL_STXCSUM = 0x17


def ethtool_value(sock, iface, cmd, data=0):
    """One legacy ethtool ioctl on IFACE taking a struct ethtool_value; its data back."""
    val = ctypes.create_string_buffer(struct.pack("II", cmd, data))
    ifr = struct.pack("16sP", iface.encode(), ctypes.addressof(val)).ljust(40, b"\0")
    fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifr)
    return struct.unpack("II", val.raw[:8])[1]


def txcsum(iface, on):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ethtool_value(s, iface, ETHTOOL_STXCSUM, 1 if on else 0)
    got = ethtool_value(s, iface, ETHTOOL_GTXCSUM)
    print("%s tx checksumming %s" % (iface, "on" if got else "off"))
    return 0 if bool(got) == on else 1


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
        s.bind((sys.argv[5] if len(sys.argv) > 5 else "0.0.0.0", int(sys.argv[4])))
        s.sendto(b"x", (sys.argv[2], int(sys.argv[3])))
        return 0
    if mode == "udpwait":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(sys.argv[4])))
        s.sendto(b"open", (sys.argv[2], int(sys.argv[3])))
        end = time.time() + float(sys.argv[5])
        while time.time() < end:
            s.settimeout(max(0.05, end - time.time()))
            try:
                data, peer = s.recvfrom(65535)
            except socket.timeout:
                break
            print("from %s:%d %s" % (peer[0], peer[1], data.decode(errors="replace")), flush=True)
        return 0
    if mode == "refused":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((sys.argv[2], int(sys.argv[3])))
        s.settimeout(1.0)
        for _ in range(3):
            try:
                s.send(b"anyone?")
                s.recv(100)
            except ConnectionRefusedError:
                print("refused")
                return 0
            except socket.timeout:
                continue
        return 1
    if mode == "ttl":
        IP_RECVERR = 11
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, int(sys.argv[4]))
        s.connect((sys.argv[2], int(sys.argv[3])))
        s.settimeout(1.0)
        for _ in range(3):
            try:
                s.send(b"probe")
                s.recv(100)
            except OSError as e:
                if e.errno != 113:  # EHOSTUNREACH
                    continue
                data, anc, _flags, _addr = s.recvmsg(512, 512, socket.MSG_ERRQUEUE)
                for level, typ, val in anc:
                    # struct sock_extended_err (16 bytes) then the offender sockaddr_in
                    ee_type, ee_code = val[5], val[6]
                    off = socket.inet_ntoa(val[16 + 4:16 + 8])
                    print("error type=%d code=%d offender=%s" % (ee_type, ee_code, off))
                return 0
        return 1
    if mode == "simopen":
        end = time.time() + 10
        while time.time() < end:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[2], int(sys.argv[3])))
            s.settimeout(3)
            try:
                s.connect((sys.argv[4], int(sys.argv[5])))
            except OSError:
                s.close()
                time.sleep(0.2)
                continue
            s.sendall(b"hi from %s\n" % sys.argv[2].encode())
            line = s.recv(100)
            print("connected, got %r" % line)
            return 0 if line.startswith(b"hi from") else 1
        return 1
    if mode == "lateconnect":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(float(sys.argv[4]))
        t0 = time.time()
        try:
            s.connect((sys.argv[2], int(sys.argv[3])))
            print("connected after %.1f" % (time.time() - t0))
        except OSError as e:
            print("%.1f %s" % (time.time() - t0, type(e).__name__))
        return 0
    if mode == "many":
        IP_RECVERR = 11
        socks, ok, refused, silent = [], 0, 0, 0
        for _ in range(int(sys.argv[4])):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
            s.connect((sys.argv[2], int(sys.argv[3])))
            s.settimeout(1.0)
            socks.append(s)
            try:
                s.send(b"m")
                s.recv(100)
                ok += 1
            except socket.timeout:
                silent += 1
            except OSError:
                refused += 1
        print("ok %d refused %d silent %d" % (ok, refused, silent))
        try:
            socks[0].send(b"again")
            socks[0].recv(100)
            print("first ok")
        except OSError as e:
            print("first failed: %s" % e)
        return 0
    if mode == "sink":
        return sink(int(sys.argv[2]), float(sys.argv[3]))
    if mode == "source":
        return source(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
    if mode == "txcsum" and sys.argv[3] in ("on", "off"):
        return txcsum(sys.argv[2], sys.argv[3] == "on")
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
