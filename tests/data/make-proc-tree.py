#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the recorded /proc tree that the scanner's unit tests read
(tests/data/proc), in the kernel's own line formats.  Run it from the
repository root after changing it:  python3 tests/data/make-proc-tree.py tests/data/proc
See tests/data/README for what each process models."""
import os, socket, struct, sys
root = sys.argv[1]

def w4(ip):
    return "%08X" % struct.unpack('<I', socket.inet_aton(ip))[0]

def w6(ip):
    b = socket.inet_pton(socket.AF_INET6, ip)
    return "".join("%08X" % struct.unpack('<I', b[i:i+4])[0] for i in range(0, 16, 4))

HDR4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
HDR6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"

def full4(sl, la, lp, ra, rp, st, tx, rx, uid, inode):
    s = "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5u %8d %u %d %016x %u %u %u %u %d" % (
        sl, w4(la), lp, w4(ra), rp, st, tx, rx, 0, 0, 0, uid, 0, inode, 1, 0xffff8881049a0000 + sl, 20, 4, 30, 10, -1)
    return s.ljust(149) + "\n"

def tw4(sl, la, lp, ra, rp):
    s = "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5d %8d %d %d %016x" % (
        sl, w4(la), lp, w4(ra), rp, 6, 0, 0, 3, 0x1770, 0, 0, 0, 0, 3, 0)
    return s.ljust(149) + "\n"

def full6(sl, la, lp, ra, rp, st, tx, rx, uid, inode):
    return "%4d: %s:%04X %s:%04X %02X %08X:%08X %02X:%08X %08X %5u %8d %u %d %016x %u %u %u %u %d\n" % (
        sl, w6(la), lp, w6(ra), rp, st, tx, rx, 0, 0, 0, uid, 0, inode, 1, 0xffff8881049b0000 + sl, 20, 4, 30, 10, -1)

def write(path, data, mode="w"):
    p = os.path.join(root, path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, mode) as f:
        f.write(data)

def link(path, target):
    p = os.path.join(root, path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    if os.path.lexists(p):
        os.unlink(p)
    os.symlink(target, p)

NS_A = "net:[4026531840]"
NS_B = "net:[4026532100]"

write("version", "Linux version 6.1.0 (recorded for fdclose unit tests)\n")

# pid 1: the host namespace's representative, a listener with leaked sockets.
write("1/comm", "systemd\n")
link("1/ns/net", NS_A)
write("1/net/tcp", HDR4.ljust(149) + "\n" +
      full4(0, "0.0.0.0", 22, "0.0.0.0", 0, 10, 0, 0, 0, 1000) +
      full4(1, "127.0.0.1", 9999, "127.0.0.1", 41234, 8, 0, 1, 1000, 1001) +
      full4(2, "127.0.0.1", 9999, "127.0.0.1", 41236, 1, 0, 0, 1000, 1002) +
      full4(3, "127.0.0.1", 9999, "127.0.0.1", 41238, 8, 0, 0, 1000, 0) +
      tw4(4, "127.0.0.1", 41240, "127.0.0.1", 9999) +
      "this line is not a socket\n")
write("1/net/tcp6", HDR6 + "\n" +
      full6(0, "::1", 8080, "::1", 50000, 8, 0, 5, 1000, 1003) +
      full6(1, "::ffff:127.0.0.1", 7000, "::ffff:127.0.0.1", 50001, 8, 2, 0, 1000, 1004))
link("1/fd/0", "/dev/null")
link("1/fd/3", "socket:[1001]")
link("1/fd/4", "socket:[1002]")
link("1/fd/5", "pipe:[77]")
link("1/fd/6", "socket:[1003]")

# pid 100: forked from 1, same namespace, so same tables; inherited fd 3.
write("100/comm", "worker\n")
link("100/ns/net", NS_A)
link("100/net", "../1/net")
link("100/fd/3", "socket:[1001]")
link("100/fd/7", "socket:[1004]")

# pid 200: the lowest pid of a container; exited before its tables were read.
write("200/comm", "gone\n")
link("200/ns/net", NS_B)
link("200/fd/1", "/dev/null")

# pid 201: the same container, IPv6 disabled (no tcp6), an oddly named process.
write("201/comm", b'x"\\\t\x01\xffy\nz\n', "wb")
link("201/ns/net", NS_B)
write("201/net/tcp", HDR4.ljust(149) + "\n" +
      full4(0, "10.0.0.2", 80, "10.0.0.1", 33000, 8, 0, 0, 33, 2001) +
      full4(1, "10.0.0.2", 80, "10.0.0.1", 33002, 1, 0, 0, 33, 2002))
link("201/fd/4", "socket:[2001]")
link("201/fd/9", "socket:[2002]")

# pid 300: its fd "directory" is a plain file.
write("300/comm", "nofd\n")
link("300/ns/net", NS_A)
write("300/fd", "not a directory\n")

# pid 400: no namespace link, as for a zombie.
write("400/comm", "zombie\n")

# pid 500: exited between the namespace walk and the fd walk.
write("500/comm", "exiting\n")
link("500/ns/net", NS_A)
