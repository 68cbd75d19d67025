#!/usr/bin/env python3
"""A loopback TCP proxy that forwards to 127.0.0.1:UPSTREAM and caps what clients send at a
rate, so that a test can catch an upload in the middle on any machine, loaded or not.

  throttle_proxy.py UPSTREAM_PORT --rate BYTES_PER_SECOND

Prints the port it listens on, then serves until killed. A connection whose upstream is gone
(refused, reset, closed) is reset, as a dead server's would be.
"""
import argparse
import socket
import struct
import sys
import threading
import time

CHUNK = 64 * 1024


def pump(src, dst, rate, client):
    start, sent = time.monotonic(), 0
    try:
        while True:
            data = src.recv(CHUNK)
            if not data:
                if src is client:
                    dst.shutdown(socket.SHUT_WR)
                    return
                break
            dst.sendall(data)
            sent += len(data)
            if rate:
                ahead = sent / rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
    except OSError:
        # A failed side resets the client, as a dead server's kernel would.
        try:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    # The upstream ended or failed: both sides are closed (a close with unread data resets).
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def serve(client, upstream_port, rate):
    try:
        upstream = socket.create_connection(("127.0.0.1", upstream_port))
    except OSError:
        client.close()
        return
    threading.Thread(target=pump, args=(client, upstream, rate, client), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client, 0, client), daemon=True).start()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("upstream_port", type=int)
    parser.add_argument("--rate", type=int, required=True, help="bytes per second, client to upstream")
    args = parser.parse_args()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(listener.getsockname()[1], flush=True)
    while True:
        client, _ = listener.accept()
        serve(client, args.upstream_port, args.rate)


if __name__ == "__main__":
    sys.exit(main())
