#!/usr/bin/env python3
"""make-sockdiag-seeds.py DIR: records real NETLINK_SOCK_DIAG dumps as seeds
for fuzz_sockdiag.  Run it in a network namespace of its own, so that only
its own sockets are in the dump:

    unshare --net sh -c 'ip link set lo up && python3 tests/fuzz/make-sockdiag-seeds.py tests/fuzz/corpus/sockdiag'

It makes, for IPv4 and IPv6 on loopback, a listener, a CLOSE_WAIT socket
with one byte unread and an established pair, then writes each recv() of
one dump per family (with INET_DIAG_INFO), an NLMSG_ERROR and an NLMSG_DONE.
"""
import socket
import struct
import sys
import time

NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY, NLMSG_DONE = 4, 20, 3
INET_DIAG_INFO = 2


def make_sockets():
    socks = []
    for fam, addr in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
        lst = socket.socket(fam, socket.SOCK_STREAM)
        lst.bind((addr, 0))
        lst.listen()
        cli = socket.socket(fam, socket.SOCK_STREAM)
        cli.connect(lst.getsockname()[:2])
        srv, _ = lst.accept()
        cli.send(b'x')
        cli.close()  # srv: CLOSE_WAIT, one byte unread
        cli2 = socket.socket(fam, socket.SOCK_STREAM)
        cli2.connect(lst.getsockname()[:2])
        srv2, _ = lst.accept()
        socks += [lst, srv, cli2, srv2]
    time.sleep(0.1)
    return socks


def dump(out, nl, fam):
    # inet_diag_req_v2: family, protocol, ext, pad, states, then a zero id.
    req = struct.pack('=BBBBI', fam, socket.IPPROTO_TCP, 1 << (INET_DIAG_INFO - 1), 0,
                      0xffffffff) + b'\0' * 48
    nl.send(struct.pack('=IHHII', 16 + len(req), SOCK_DIAG_BY_FAMILY, 0x301, 1, 0) + req)
    name = 'v4' if fam == socket.AF_INET else 'v6'
    for k in range(100):
        data = nl.recv(65536)
        with open('%s/dump-%s-%d' % (out, name, k), 'wb') as f:
            f.write(data)
        if struct.unpack_from('=IH', data, len(data) - 20)[1] == NLMSG_DONE or \
                struct.unpack_from('=IH', data, 0)[1] == NLMSG_DONE:
            return


def main():
    out = sys.argv[1]
    socks = make_sockets()
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_SOCK_DIAG)
    for fam in (socket.AF_INET, socket.AF_INET6):
        dump(out, nl, fam)
    # What a kernel without the family answers: NLMSG_ERROR -ENOENT.
    with open(out + '/error-enoent', 'wb') as f:
        f.write(struct.pack('=IHHII', 36, 2, 0, 1, 0) + struct.pack('=i', -2) +
                struct.pack('=IHHII', 16, SOCK_DIAG_BY_FAMILY, 0x301, 1, 0))
    with open(out + '/done', 'wb') as f:
        f.write(struct.pack('=IHHIIi', 20, NLMSG_DONE, 2, 1, 0, 0))
    del socks


main()
