#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Independent implementation of sesame's rotating knock sequences.

Written from docs/rotating.md with nothing but the Python standard
library, so that the test vectors it prints (vectors.txt) check the C code
(src/common/rotseq.c) against the published text rather than against
itself.  Usage:

    rotseq.py                   print the test vectors (vectors.txt)
    rotseq.py --secret B64 --door NAME [--time T] [--period P] [--length N]
              [--ports LOW-HIGH] [--protocols tcp|udp|mixed] [--exclude P,...]
              [--bind ADDR]      print one sequence, as `sesame knock` args
"""
import argparse
import base64
import hashlib
import hmac
import ipaddress
import struct
import sys
import time


def derive(secret, door, counter, allowed, protocols="tcp", length=4, bind=None):
    """The sequence for (secret, door, counter): a list of (port, proto)."""
    m = door.encode() + struct.pack(">Q", counter)
    if bind is None:
        return draw(secret, m, allowed, protocols, length, [])
    # Bound: the first knock without the address, the others with it.
    first = draw(secret, m, allowed, protocols, 1, [])
    return draw(secret, m + ipaddress.ip_address(bind).packed, allowed, protocols,
                length, first)


def draw(secret, m, allowed, protocols, length, out):
    """Extends OUT to LENGTH knocks from the HMAC stream of M."""
    out = list(out)
    n = len(allowed) * (2 if protocols == "mixed" else 1)
    limit = 2**32 - 2**32 % n
    for i in range(256):
        block = hmac.new(secret, m + (bytes([i]) if i else b""), hashlib.sha256).digest()
        for j in range(0, 32, 4):
            if len(out) == length:
                return out
            (u,) = struct.unpack(">I", block[j:j + 4])
            if u >= limit:
                continue
            k = u % n
            if protocols == "mixed":
                port, proto = allowed[k // 2], ("udp" if k % 2 else "tcp")
            else:
                port, proto = allowed[k], protocols
            if any(p == port for p, _ in out):
                continue
            out.append((port, proto))
    if len(out) == length:
        return out
    raise ValueError("256 blocks were not enough")


def allowed_ports(low, high, exclude):
    ex = set(exclude)
    return [p for p in range(low, high + 1) if p not in ex]


VECTORS = [
    # name, secret, door, unix time, period, protocols, low, high, exclude, length, bind
    ("basic", bytes(range(16)), "ssh", 1700000000, 30, "tcp", 1024, 65535, [], 4, None),
    ("udp", bytes(range(16)), "ssh", 1700000000, 30, "udp", 1024, 65535, [], 4, None),
    ("mixed", b"sesame rotating!", "web-1", 1767225600, 60, "mixed", 1024, 65535,
     [8080, 8443], 8, None),
    ("excluded", bytes(range(32)), "ssh", 1700000000, 30, "tcp", 2000, 2019,
     [2001, 2003, 2005, 2007, 2009], 10, None),
    ("small-set", bytes([0xa5] * 20), "x", 1234567890, 30, "tcp", 40000, 40004, [], 5, None),
    ("long", bytes(range(64)), "door_with_a_rather_long_name", 2000000000, 30, "mixed",
     1, 65535, [22, 80, 443], 32, None),
    ("bind-v4", bytes(range(16)), "ssh", 1700000000, 30, "tcp", 1024, 65535, [], 4,
     "198.18.0.2"),
    ("bind-v6", bytes(range(16)), "ssh", 1700000000, 30, "tcp", 1024, 65535, [], 4,
     "2001:db8::2"),
    ("period-1", b"0123456789abcdef", "ssh", 1700000001, 1, "udp", 1024, 65535, [], 3, None),
    ("counter-0", b"0123456789abcdef", "ssh", 29, 30, "tcp", 1024, 65535, [], 2, None),
]


def fmt_seq(seq):
    return ",".join(f"{p}:{proto}" for p, proto in seq)


def print_vectors():
    print("# Test vectors for sesame's rotating knock sequences (docs/rotating.md).")
    print("# Made by tests/vectors/rotseq/rotseq.py; one per line, fields name=value:")
    print("# secret in base64, counter = floor(time / period), exclude '-' for none,")
    print("# bind '-' when Sequence_Bind_Address is off, seq = the knocks in order.")
    for (name, secret, door, t, period, protos, low, high, ex, length, bind) in VECTORS:
        counter = t // period
        seq = derive(secret, door, counter, allowed_ports(low, high, ex), protos, length, bind)
        exs = ",".join(str(p) for p in ex) or "-"
        print(f"name={name} secret={base64.b64encode(secret).decode()} door={door} "
              f"time={t} period={period} counter={counter} protocols={protos} "
              f"ports={low}-{high} exclude={exs} length={length} bind={bind or '-'} "
              f"seq={fmt_seq(seq)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--secret")
    ap.add_argument("--door")
    ap.add_argument("--time", type=float, default=None)
    ap.add_argument("--period", type=int, default=30)
    ap.add_argument("--length", type=int, default=4)
    ap.add_argument("--ports", default="1024-65535")
    ap.add_argument("--protocols", default="tcp")
    ap.add_argument("--exclude", default="")
    ap.add_argument("--bind", default=None)
    a = ap.parse_args()
    if not a.secret:
        print_vectors()
        return 0
    low, _, high = a.ports.partition("-")
    ex = [int(x) for x in a.exclude.split(",") if x]
    t = time.time() if a.time is None else a.time
    seq = derive(base64.b64decode(a.secret), a.door, int(t) // a.period,
                 allowed_ports(int(low), int(high or low), ex), a.protocols, a.length, a.bind)
    print(" ".join(f"{p}:{proto}" for p, proto in seq))
    return 0


if __name__ == "__main__":
    sys.exit(main())
