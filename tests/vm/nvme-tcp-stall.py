# SPDX-License-Identifier: GPL-2.0
"""An NVMe/TCP host that sends write commands and never their data (tests/vm/nvmet-stalled-host.sh).

    python3 nvme-tcp-stall.py ADDR PORT SUBNQN NSID LBA_SIZE WRITES BYTES

Connects the admin queue and one I/O queue (ICReq/ICResp, Fabrics Connect with no keep-alive,
CC.EN through Property Set), then sends WRITES Write commands of BYTES each whose data is not
in the capsule, so that the target allocates a buffer for each and asks for the data with an
R2T. It reads every R2T, prints "stalled WRITES" and then never sends H2CData: it keeps both
sockets open until the target closes one (it then prints "closed by the target" and exits 0)
or it is killed. Any unexpected answer exits 1 with a message.
"""

import socket
import struct
import sys
import uuid

addr, port, subnqn = sys.argv[1], int(sys.argv[2]), sys.argv[3]
nsid, lba_size, writes, nbytes = (int(a) for a in sys.argv[4:8])
hostid = uuid.UUID("5c2d2b0e-4a4b-4f0e-9d3c-0b6f3e1f7a11")
hostnqn = "nqn.2014-08.org.nvmexpress:uuid:%s" % hostid

PDU_ICREQ, PDU_ICRESP, PDU_CMD, PDU_RSP, PDU_R2T = 0x00, 0x01, 0x04, 0x05, 0x09
SGL_METABUF = 0x40  # command flags: PSDT = SGL, as every NVMe/TCP command has
SGL_INCAPSULE = 0x01  # data block descriptor, offset (data in the capsule)
SGL_TRANSPORT = 0x5A  # transport data block descriptor (data by R2T and H2CData)


def die(msg):
    sys.stderr.write("nvme-tcp-stall: %s\n" % msg)
    sys.exit(1)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def recv_pdu(s):
    ch = recv_exact(s, 8)
    ptype, _flags, _hlen, _pdo, plen = struct.unpack("<BBBBI", ch)
    return ptype, ch + recv_exact(s, plen - 8)


def sgl(length, kind):
    return struct.pack("<QI3xB", 0, length, kind)


def send_cmd(s, sqe, data=b""):
    assert len(sqe) == 64
    hlen = 8 + 64
    pdo = hlen if data else 0
    s.sendall(struct.pack("<BBBBI", PDU_CMD, 0, hlen, pdo, hlen + len(data)) + sqe + data)


def expect_rsp(s, cid, what):
    ptype, pdu = recv_pdu(s)
    if ptype != PDU_RSP:
        die("%s: PDU type %#x instead of a response" % (what, ptype))
    result, _, _sqhd, _sqid, rcid, status = struct.unpack("<IIHHHH", pdu[8:24])
    if rcid != cid or status >> 1:
        die("%s: command %d status %#x" % (what, rcid, status >> 1))
    return result


def fabrics(cid, fctype, tail):
    # opcode 0x7f, flags, command id, fctype, reserved up to the data pointer at 24.
    return struct.pack("<BBHB19x", 0x7F, SGL_METABUF, cid, fctype) + tail


def queue(qid, cntlid):
    s = socket.create_connection((addr, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # ICReq: PFV 0, HPDA 0, no digests, MAXR2T 0 (one R2T per command at a time).
    s.sendall(struct.pack("<BBBBIHBBI", PDU_ICREQ, 0, 128, 0, 128, 0, 0, 0, 0).ljust(128, b"\0"))
    ptype, _ = recv_pdu(s)
    if ptype != PDU_ICRESP:
        die("queue %d: PDU type %#x instead of ICResp" % (qid, ptype))
    data = (hostid.bytes + struct.pack("<H", cntlid)).ljust(256, b"\0")
    data += subnqn.encode().ljust(256, b"\0") + hostnqn.encode().ljust(256, b"\0")
    data = data.ljust(1024, b"\0")
    # Connect: recfmt 0, qid, sqsize 31 (0's based), cattr 0, kato 0 (no keep-alive).
    tail = sgl(len(data), SGL_INCAPSULE) + struct.pack("<HHHBxI12x", 0, qid, 31, 0, 0)
    send_cmd(s, fabrics(1, 0x01, tail), data)
    result = expect_rsp(s, 1, "connect of queue %d" % qid)
    return s, result & 0xFFFF


admin, cntlid = queue(0, 0xFFFF)
# Property Set CC (offset 0x14, 4 bytes): EN, IOSQES 6, IOCQES 4, so that I/O commands are taken.
cc = 1 | (6 << 16) | (4 << 20)
send_cmd(admin, fabrics(2, 0x00, bytes(16) + struct.pack("<B3xIQ8x", 0, 0x14, cc)))
expect_rsp(admin, 2, "property set CC")

io, _ = queue(1, cntlid)
nlb = nbytes // lba_size - 1
for i in range(writes):
    cid = 10 + i
    # Write: opcode 1, nsid, the data pointer, SLBA (cdw10-11), NLB (cdw12, 0's based).
    sqe = struct.pack("<BBHI16x", 0x01, SGL_METABUF, cid, nsid) + sgl(nbytes, SGL_TRANSPORT)
    sqe += struct.pack("<QHH12x", i * (nbytes // lba_size), nlb, 0)
    send_cmd(io, sqe)
    ptype, pdu = recv_pdu(io)
    if ptype != PDU_R2T:
        die("write %d: PDU type %#x instead of R2T" % (i, ptype))
    rcid, _ttag, r2to, r2tl = struct.unpack("<HHII", pdu[8:20])
    if rcid != cid or r2to != 0 or r2tl != nbytes:
        die("write %d: R2T for command %d, offset %d, %d bytes" % (i, rcid, r2to, r2tl))
print("stalled %d" % writes, flush=True)

# Never send the data. Wait until the target gives up on either queue.
import select  # noqa: E402

while True:
    ready, _, _ = select.select([admin, io], [], [])
    for s in ready:
        try:
            if not s.recv(4096):
                print("closed by the target", flush=True)
                sys.exit(0)
        except ConnectionError:
            print("closed by the target", flush=True)
            sys.exit(0)
