#!/usr/bin/env python3
"""Drives the host's pointer through wayvnc, for the end-to-end tests.

  vnc-pointer.py SOCKET X,Y,BUTTONS...

Connects to wayvnc's unix socket as a VNC client (RFB 3.8, no
authentication) and sends one pointer event per argument: the pointer at
X,Y of the output, BUTTONS the RFB button mask (1: left held, 0: none).
wayvnc turns them into events of its virtual pointer, which the compositor
handles like those of a real mouse: motion with a button held included,
which swaymsg's seat cursor commands do not give.
"""
import socket
import struct
import sys
import time


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("wayvnc closed the connection")
        data += chunk
    return data


def handshake(sock):
    version = recv_exact(sock, 12)
    if not version.startswith(b"RFB 003."):
        raise ValueError(f"not an RFB server: {version!r}")
    sock.sendall(b"RFB 003.008\n")
    (count,) = struct.unpack("B", recv_exact(sock, 1))
    if count == 0:
        (length,) = struct.unpack(">I", recv_exact(sock, 4))
        raise ValueError(recv_exact(sock, length).decode(errors="replace"))
    types = recv_exact(sock, count)
    if 1 not in types:
        raise ValueError(f"wayvnc wants authentication (security types {list(types)})")
    sock.sendall(struct.pack("B", 1))
    (result,) = struct.unpack(">I", recv_exact(sock, 4))
    if result != 0:
        raise ValueError("security handshake failed")
    sock.sendall(struct.pack("B", 1))  # ClientInit: shared
    width, height = struct.unpack(">HH", recv_exact(sock, 4))
    recv_exact(sock, 16)  # pixel format
    (length,) = struct.unpack(">I", recv_exact(sock, 4))
    recv_exact(sock, length)  # desktop name
    return width, height


def main():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(sys.argv[1])
    width, height = handshake(sock)
    for event in sys.argv[2:]:
        x, y, buttons = (int(v) for v in event.split(","))
        if not (0 <= x < width and 0 <= y < height):
            raise ValueError(f"{x},{y} outside the {width}x{height} output")
        sock.sendall(struct.pack(">BBHH", 5, buttons, x, y))  # PointerEvent
        # one event per compositor dispatch, as a mouse would
        time.sleep(0.05)
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
