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

def limits(soft, hard):
    """/proc/PID/limits, as proc_pid_limits() prints it ("%-25s %-20s %-20s %-10s")."""
    def row(name, s, h, unit):
        return "%-25s %-20s %-20s %-10s\n" % (name, s, h, unit)
    return ("%-25s %-20s %-20s %-10s\n" % ("Limit", "Soft Limit", "Hard Limit", "Units") +
            row("Max cpu time", "unlimited", "unlimited", "seconds") +
            row("Max open files", soft, hard, "files") +
            row("Max processes", 63456, 63456, "processes"))
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
      full4(5, "127.0.0.1", 9999, "0.0.0.0", 0, 10, 0, 0, 1000, 1011) +
      full4(6, "0.0.0.0", 8000, "0.0.0.0", 0, 10, 0, 0, 1000, 1010) +
      full4(7, "127.0.0.1", 8000, "127.0.0.1", 51000, 8, 0, 1, 1000, 0) +
      full4(8, "127.0.0.1", 8000, "127.0.0.1", 51001, 8, 0, 1, 1000, 0) +
      full4(9, "127.0.0.1", 7777, "127.0.0.1", 51002, 8, 0, 1, 1000, 0) +
      full4(10, "127.0.0.1", 9999, "127.0.0.1", 41242, 8, 0, 1, 1000, 1005) +
      "this line is not a socket\n")
write("1/net/tcp6", HDR6 + "\n" +
      full6(0, "::1", 8080, "::1", 50000, 8, 0, 5, 1000, 1003) +
      full6(1, "::ffff:127.0.0.1", 7000, "::ffff:127.0.0.1", 50001, 8, 2, 0, 1000, 1004) +
      full6(2, "::", 8443, "::", 0, 10, 0, 0, 1000, 1012) +
      full6(3, "::ffff:10.1.1.1", 8443, "::ffff:10.1.1.2", 40000, 8, 0, 1, 1000, 0))
write("1/limits", limits(1024, 524288))
link("1/fd/0", "/dev/null")
link("1/fd/3", "socket:[1001]")
link("1/fd/4", "socket:[1002]")
link("1/fd/5", "pipe:[77]")
link("1/fd/6", "socket:[1003]")
# Sockets in no table: what the kernel says about each is in tests/unit/fake_probe.h.
link("1/fd/8", "socket:[1020]")		# TCP, dead (reset)
link("1/fd/9", "socket:[1021]")		# UNIX
link("1/fd/10", "socket:[1010]")	# listener 0.0.0.0:8000, 2 CLOSE-WAIT queued
link("1/fd/11", "socket:[1011]")	# listener 127.0.0.1:9999, 1 queued
link("1/fd/12", "socket:[1012]")	# listener [::]:8443, 1 v4-mapped queued
link("1/fd/13", "socket:[1022]")	# TCP, never connected: not dead
link("1/fd/14", "socket:[1023]")	# TCP, ESTAB, made after the tables were read

# pid 100: forked from 1, same namespace, so same tables; inherited fd 3.
write("100/comm", "worker\n")
link("100/ns/net", NS_A)
link("100/net", "../1/net")
link("100/fd/3", "socket:[1001]")
link("100/fd/7", "socket:[1004]")
link("100/fd/8", "socket:[1020]")	# the dead one, inherited
link("100/fd/10", "socket:[1010]")	# the listener, inherited
write("100/limits", limits("unlimited", "unlimited"))

# pid 200: the lowest pid of a container; exited before its tables were read.
write("200/comm", "gone\n")
link("200/ns/net", NS_B)
link("200/fd/1", "/dev/null")

# pid 201: the same container, IPv6 disabled (no tcp6), an oddly named process.
write("201/comm", b'x"\\\t\x01\xffy\nz\n', "wb")
link("201/ns/net", NS_B)
write("201/net/tcp", HDR4.ljust(149) + "\n" +
      full4(0, "10.0.0.2", 80, "10.0.0.1", 33000, 8, 0, 0, 33, 2001) +
      full4(1, "10.0.0.2", 80, "10.0.0.1", 33002, 1, 0, 0, 33, 2002) +
      full4(2, "10.0.0.2", 80, "0.0.0.0", 0, 10, 0, 0, 33, 2003) +
      full4(3, "10.0.0.2", 80, "10.0.0.1", 33004, 8, 0, 1, 33, 0))
link("201/fd/4", "socket:[2001]")
link("201/fd/9", "socket:[2002]")
link("201/fd/5", "socket:[2010]")	# TCPv6, dead
link("201/fd/6", "socket:[2011]")	# TCP, CLOSE-WAIT in a namespace without processes

# pid 300: its fd "directory" is a plain file.
write("300/comm", "nofd\n")
link("300/ns/net", NS_A)
write("300/fd", "not a directory\n")

# pid 400: no namespace link, as for a zombie.
write("400/comm", "zombie\n")

# pid 500: exited between the namespace walk and the fd walk.
write("500/comm", "exiting\n")
link("500/ns/net", NS_A)

# pid 600: its leader called pthread_exit(): a zombie without ns/net and
# with an empty fd/ (git keeps no empty directory: .keep is not an fd
# name); thread 601 lives on, and shows both.
write("600/comm", "zm\n")
write("600/fd/.keep", "")
write("600/task/600/comm", "zm\n")
link("600/task/601/ns/net", NS_A)
link("600/task/601/fd/4", "socket:[1005]")
link("600/task/601/fd/5", "/dev/null")
# Each thread's stat says which one lives: the leader is Z, 601 sleeps.
write("600/task/600/stat", "600 (zm) Z 1 600 600 0 -1 4194564 0 0 0 0 0 0 0 0 20 0 2 0 5000 "
      "0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n")
write("600/task/601/stat", "601 (zm) S 1 600 600 0 -1 4194560 90 0 0 0 1 2 0 0 20 0 2 0 5001 "
      "9000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n")
