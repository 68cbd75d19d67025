#!/usr/bin/env python3
"""Hostile clients on loopback, one attack per subcommand; prints one JSON object of figures.

  hold         N connections that never send a byte, reopened as the server closes them, while
               /healthz is probed every 0.2 s on the public and (if given) the admin port.
  stall-bodies N connections that send their headers and part of a body, then stall; reopened
               when the server answers or closes them.
  large-body   T tries of a body far over the limit, sent whole before reading (as a simple
               client does): how many read the 413.
  forwarded    R requests, each with its own forged X-Forwarded-For (junk of S bytes, or a valid
               address), then one request from a new client.
Bounded: every subcommand stops after --duration seconds or its count, whatever happens.
"""
import argparse
import asyncio
import ipaddress
import json
import random
import socket
import sys
import time

from harness import Slots, hold_slot, require_loopback


def http_get(host, port, path, timeout=2.0):
    """Status of GET path on a new connection, or None when it could not be had in time."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"GET %s HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n" % path.encode())
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            parts = data.split(b" ", 2)
            return int(parts[1]) if len(parts) > 1 and parts[0].startswith(b"HTTP/1.") else None
    except OSError:
        return None


async def probe_loop(args, port, deadline, results):
    loop = asyncio.get_running_loop()
    while time.monotonic() < deadline:
        status = await loop.run_in_executor(None, http_get, args.host, port, "/healthz")
        results.append(status)
        await asyncio.sleep(0.2)


async def hold_slot_open(args, slots, deadline, first_bytes=b""):
    """Keeps one connection open until the deadline, reopening it when the server closes it."""

    async def hold(reader, writer):
        try:
            if first_bytes:
                writer.write(first_bytes)
                await writer.drain()
            left = deadline - time.monotonic()
            data = await asyncio.wait_for(reader.read(4096), timeout=max(0.01, left))
            slots.count_answer(data)
            return True
        except (asyncio.TimeoutError, ConnectionError, OSError):
            return False

    # The pause: no tight loop against a server that closes at once.
    await hold_slot(args.host, args.port, slots, deadline, hold, pause=0.05)


async def ramp(args, slots, deadline, first_bytes=b""):
    """Starts every slot at once; returns when all are open (or after 20 s) and the ramp time."""
    started = time.monotonic()
    tasks = [asyncio.create_task(hold_slot_open(args, slots, deadline, first_bytes))
             for _ in range(args.connections)]
    while slots.opened < args.connections and time.monotonic() < min(deadline, started + 20):
        await asyncio.sleep(0.05)
    return tasks, round(time.monotonic() - started, 2)


def slot_figures(slots):
    return {"connections_opened": slots.opened, "max_open": slots.max_open,
            "connect_failures": slots.connect_failures,
            "closed_by_server": slots.closed_by_server, "answers": slots.answers}


async def hold(args):
    slots = Slots()
    deadline = time.monotonic() + args.duration
    public, admin = [], []
    tasks, ramp_s = await ramp(args, slots, deadline)
    probes = [asyncio.create_task(probe_loop(args, args.port, deadline, public))]
    if args.admin_port:
        probes.append(asyncio.create_task(probe_loop(args, args.admin_port, deadline, admin)))
    await asyncio.wait(tasks + probes, timeout=args.duration + 10)
    out = slot_figures(slots)
    out["ramp_s"] = ramp_s
    out.update({"public_probes": len(public), "public_probes_ok": public.count(200),
                "admin_probes": len(admin), "admin_probes_ok": admin.count(200)})
    return out


async def stall_bodies(args):
    slots = Slots()
    deadline = time.monotonic() + args.duration
    head = (b"POST /api/comment/new HTTP/1.1\r\nHost: stall\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % args.content_length)
    tasks, ramp_s = await ramp(args, slots, deadline, head + b"x" * args.sent)
    await asyncio.wait(tasks, timeout=args.duration + 10)
    out = slot_figures(slots)
    out["ramp_s"] = ramp_s
    return out


def large_body(args):
    body = b"x" * args.size
    request = (b"POST /api/comment/new HTTP/1.1\r\nHost: large\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body)) + body
    statuses = {}
    for _ in range(args.tries):
        status = "reset"
        try:
            with socket.socket() as s:
                # A send buffer far smaller than the body, as over any real network: the body is
                # still being sent when the server has answered.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
                s.settimeout(10)
                s.connect((args.host, args.port))
                # As curl does: a reset while sending is the failure the client reports, even
                # when the answer arrived before it.
                s.sendall(request)
                data = s.recv(4096)
                status = data[9:12].decode() if data.startswith(b"HTTP/1.1 ") else "closed"
        except OSError as e:
            status = "reset while sending" if status == "reset" else "reset"
            del e
        statuses[status] = statuses.get(status, 0) + 1
    return {"tries": args.tries, "body_bytes": args.size, "statuses": statuses,
            "read_413": statuses.get("413", 0)}


def forwarded(args):
    statuses = {}
    rng = random.Random(13)
    sock = None
    deadline = time.monotonic() + args.duration
    sent = 0
    for i in range(args.requests):
        if time.monotonic() >= deadline:
            break
        if args.junk:
            forged = ("%08d" % i).encode() + b"a" * max(0, args.size - 8)
        else:
            forged = str(ipaddress.IPv4Address(rng.getrandbits(32))).encode()
        request = (b"GET /api/comment/list/forwarded HTTP/1.1\r\nHost: fwd\r\n"
                   b"X-Forwarded-For: " + forged + b"\r\n\r\n")
        try:
            if sock is None:
                sock = socket.create_connection((args.host, args.port), timeout=5)
                sock.settimeout(5)
            sock.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                data += chunk
            code = data[9:12].decode()
            length = 0
            for line in data.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = data.split(b"\r\n\r\n", 1)[1]
            while len(body) < length:
                body += sock.recv(65536)
            if b"connection: close" in data.lower():
                sock.close()
                sock = None
        except (OSError, ConnectionError, ValueError):
            code = "error"
            if sock is not None:
                sock.close()
            sock = None
        statuses[code] = statuses.get(code, 0) + 1
        sent += 1
    if sock is not None:
        sock.close()
    newcomer = http_get(args.host, args.port, "/api/comment/list/forwarded")
    return {"requests": sent, "forged_bytes": args.size if args.junk else "address",
            "statuses": statuses, "new_client_status": newcomer}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("attack", choices=["hold", "stall-bodies", "large-body", "forwarded"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--admin-port", type=int, default=0)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds, at most 600")
    parser.add_argument("--content-length", type=int, default=60000)
    parser.add_argument("--sent", type=int, default=30000, help="body bytes sent before stalling")
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument("--size", type=int, default=2 * 1024 * 1024)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--junk", action="store_true", help="forged entries are junk of --size bytes")
    args = parser.parse_args()
    require_loopback(args.host, "hostile.py")
    if not 0 < args.duration <= 600 or not 0 < args.connections <= 20000:
        sys.exit("hostile.py: --duration must be in (0, 600] and --connections in (0, 20000]")
    if args.attack == "hold":
        out = asyncio.run(hold(args))
    elif args.attack == "stall-bodies":
        out = asyncio.run(stall_bodies(args))
    elif args.attack == "large-body":
        out = large_body(args)
    else:
        out = forwarded(args)
    out["attack"] = args.attack
    print(json.dumps(out))


if __name__ == "__main__":
    main()
