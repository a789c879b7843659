#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of tests/fuzz/fuzz_tcp.c into tests/fuzz/corpus/tcp/.

    python3 tests/fuzz/gen_corpus_tcp.py [out_dir]

Each seed is one scenario in fuzz_tcp.c's input format (see the comment at the top of
fuzz_tcp.c): byte 0 the state setup() drives the connection into, byte 1 the feature flags
(low nibble SL_TCP_F_*, bits 4-6 the rcv_buf shift), then records. Sequence and ACK numbers
are relative to what the stack last sent, so dseq = dack = 0 is the in-order, fully
acknowledging segment. Re-run after changing the format; the files are checked in.
"""
import os
import struct
import sys

# setup() targets (fuzz_tcp.c)
LISTEN, SYN_RECEIVED, SYN_SENT, ESTABLISHED = 0, 1, 2, 3
FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, LAST_ACK, CLOSING, TIME_WAIT, ORPHAN = range(4, 11)

# feature byte: SACK 1, TS 2, WS 4, COOKIES 8; rcv_buf = 4096 << bits 4-6
ALL, NONE = 0x0F, 0x00

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
BAD_CKSUM = 0x80

MSS = bytes([2, 4, 0x05, 0xB4])          # MSS 1460
SACK_PERM_TS = bytes([4, 2, 8, 10]) + struct.pack(">II", 100, 0)
NOP_WS7 = bytes([1, 3, 3, 7])
SYN_OPTS = MSS + SACK_PERM_TS + NOP_WS7  # the Linux layout, 20 bytes


def ts(val, ecr=0):
    return bytes([1, 1, 8, 10]) + struct.pack(">II", val, ecr)


def sack(*blocks):
    return bytes([1, 1, 5, 2 + 8 * len(blocks)]) + b"".join(
        struct.pack(">II", a, b) for a, b in blocks)


def seg(flags, dseq=0, dack=0, win=65535, opts=b"", payload=b""):
    assert len(opts) % 4 == 0 and len(opts) <= 40 and len(payload) <= 255
    return (bytes([0, flags]) + struct.pack(">hhH", dseq, dack, win) + bytes([len(opts)]) +
            opts + bytes([len(payload)]) + payload)


def step(ms):
    """Advance the clock by about ms milliseconds (1 + 8 * b)."""
    return bytes([8, min(255, max(0, (ms - 1) // 8))])


def send(n):
    return bytes([9, min(255, max(0, (n - 1) // 8))])


def consume(n):
    return bytes([10, min(255, n // 64)])


SHUTDOWN, CLOSE, ABORT = bytes([11]), bytes([12]), bytes([13])

REQ = b"GET / HTTP/1.1\r\nHost: sluice\r\n\r\n"

SEEDS = {
    # Passive open with every option, a request, the peer's FIN.
    "listen_syn_options": (LISTEN, ALL, [
        seg(SYN, opts=SYN_OPTS), step(1), seg(ACK, opts=ts(101, 0)),
        seg(ACK | PSH, opts=ts(102, 0), payload=REQ), step(50), consume(64),
        seg(ACK | FIN, opts=ts(103, 0)), step(1), CLOSE, seg(ACK, dack=0)]),
    # Passive open without options (peer MSS defaults to 536), features off locally.
    "listen_syn_plain": (LISTEN, NONE, [
        seg(SYN), step(1), seg(ACK), seg(ACK | PSH, payload=REQ), send(600), step(1),
        seg(ACK), SHUTDOWN, seg(ACK | FIN)]),
    # SYN with only MSS and window scale, 32 KiB receive buffer.
    "listen_syn_mss_ws": (LISTEN, 0x3F, [
        seg(SYN, opts=MSS + NOP_WS7), step(1), seg(ACK), seg(ACK, payload=b"x" * 200)]),
    # Retransmitted SYN in SYN_RECEIVED, then SYN-ACK retransmissions by timer.
    "syn_received_rtx": (SYN_RECEIVED, ALL, [
        seg(SYN, dseq=-1, opts=SYN_OPTS), step(1000), step(2000), seg(ACK)]),
    # An ACK to a listener (no connection): RST; RST to a listener: dropped.
    "listen_stray": (LISTEN, ALL, [seg(ACK, dack=1000), seg(RST), seg(SYN | FIN), seg(SYN | RST)]),
    # Active open answered by SYN-ACK with options, then data; and refused by RST.
    "syn_sent_synack": (SYN_SENT, ALL, [
        seg(SYN | ACK, opts=SYN_OPTS), step(1), seg(ACK | PSH, payload=b"HTTP/1.1 200 OK\r\n\r\n"),
        step(41)]),
    "syn_sent_refused": (SYN_SENT, ALL, [seg(RST | ACK)]),
    "syn_sent_simultaneous": (SYN_SENT, ALL, [seg(SYN, opts=SYN_OPTS), step(1), seg(ACK)]),
    # In-order data, ACK every second segment, delayed ACK, window credit.
    "est_data": (ESTABLISHED, ALL, [
        seg(ACK, payload=b"a" * 255), seg(ACK, dseq=0, payload=b"b" * 255), step(1),
        seg(ACK | PSH, payload=b"c" * 100), step(41), consume(610)]),
    # Out of order, then the hole filled: SACK blocks out, reassembly.
    "est_ooo": (ESTABLISHED, ALL, [
        seg(ACK, dseq=100, payload=b"o" * 100), seg(ACK, dseq=300, payload=b"p" * 50), step(1),
        seg(ACK, payload=b"i" * 100), step(1), seg(ACK, payload=b"j" * 100), step(1)]),
    # RFC 5961: exact RST, in-window RST (challenge ACK), SYN in ESTABLISHED, bad ACK.
    "est_rst_exact": (ESTABLISHED, ALL, [seg(RST)]),
    "est_rst_window": (ESTABLISHED, ALL, [seg(RST, dseq=10), seg(SYN), seg(ACK, dack=20000),
                                          seg(ACK, dseq=-30000), step(1)]),
    # Our data, the peer's ACKs with SACK: fast retransmit; then RTO backoff.
    "est_send_sack": (ESTABLISHED, ALL, [
        send(2000), send(2000), send(2000), step(1), seg(ACK, dack=-4000),
        seg(ACK, dack=-4000, opts=sack()), seg(ACK, dack=-4000), seg(ACK, dack=-4000),
        step(1), seg(ACK)]),
    "est_rto": (ESTABLISHED, ALL, [send(1000), step(1000), step(2041), step(2041), seg(ACK)]),
    # Zero window: persist probes, then the window opens.
    "est_zero_window": (ESTABLISHED, ALL, [
        seg(ACK, win=0), send(1500), step(300), step(600), step(1200), seg(ACK, win=65535),
        step(1)]),
    # Timestamps: newer, then an old one (PAWS drop).
    "est_paws": (ESTABLISHED, ALL, [
        seg(ACK, opts=ts(200), payload=b"t" * 10), seg(ACK, opts=ts(150), payload=b"u" * 10)]),
    "est_bad_cksum": (ESTABLISHED, ALL, [seg(ACK | BAD_CKSUM, payload=b"z" * 20), seg(ACK)]),
    # Passive close: FIN, app close (LAST_ACK), final ACK.
    "est_peer_fin": (ESTABLISHED, ALL, [seg(ACK | FIN), step(1), CLOSE, step(1), seg(ACK)]),
    # Active close paths.
    "fin_wait_1": (FIN_WAIT_1, ALL, [seg(ACK | FIN), step(1), seg(ACK)]),
    "fin_wait_2": (FIN_WAIT_2, ALL, [seg(ACK, payload=b"late"), seg(ACK | FIN), step(1)]),
    "close_wait": (CLOSE_WAIT, ALL, [send(100), SHUTDOWN, step(1), seg(ACK)]),
    "last_ack": (LAST_ACK, ALL, [seg(ACK | FIN, dseq=-1), seg(ACK)]),
    "closing": (CLOSING, ALL, [seg(ACK), step(1)]),
    "time_wait": (TIME_WAIT, ALL, [seg(ACK | FIN, dseq=-1), step(1), seg(SYN, dseq=1000,
                                                                       opts=SYN_OPTS)]),
    "orphan_data": (ORPHAN, ALL, [seg(ACK, payload=b"after close"), step(1)]),
    "abort": (ESTABLISHED, ALL, [send(100), ABORT, seg(ACK)]),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "tcp")
    os.makedirs(out, exist_ok=True)
    for name, (state, feat, recs) in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([state, feat]) + b"".join(recs))
    print(f"{len(SEEDS)} seeds in {out}")


if __name__ == "__main__":
    main()
