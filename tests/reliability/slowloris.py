#!/usr/bin/env python3
"""Slowloris on loopback: N connections that send a request a byte at a time.

Modes: "headers" trickles the request line and headers and never ends them; "body" sends whole
headers with a large Content-Length, then trickles the body. When the server closes a connection
the tool counts it and opens another, so the server faces N slow connections for the whole run.
Prints one JSON object: connections opened, closed by the server, how long they lived, failures.
Bounded: it stops after --duration seconds whatever happens.
"""
import argparse
import asyncio
import json
import statistics
import sys
import time

from harness import Slots, hold_slot, require_loopback

HEADERS = (b"POST /api/comment/new HTTP/1.1\r\nHost: slowloris\r\n"
           b"Content-Type: application/json\r\nX-Padding: " + b"a" * 4000 + b"\r\n")


async def one_slot(args, stats, deadline):
    """Keeps one slow connection open until the deadline, reopening it when the server closes it."""
    body_head = (HEADERS + b"Content-Length: %d\r\n\r\n" % args.content_length)

    async def trickle(reader, writer):
        if args.mode == "body":
            writer.write(body_head)
            payload = b"x" * args.content_length
        else:
            payload = HEADERS
        for i in range(len(payload)):
            if time.monotonic() >= deadline:
                break
            writer.write(payload[i:i + 1])
            await writer.drain()
            try:
                # A closed connection shows as EOF (or an answer) on the read side.
                data = await asyncio.wait_for(reader.read(4096), timeout=args.interval)
                if data == b"" or data:
                    return True
            except asyncio.TimeoutError:
                pass
        return False

    await hold_slot(args.host, args.port, stats, deadline, trickle)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds, at most 3600")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between bytes")
    parser.add_argument("--mode", choices=["headers", "body"], default="headers")
    parser.add_argument("--content-length", type=int, default=60000)
    args = parser.parse_args()
    require_loopback(args.host, "slowloris.py")
    if not 0 < args.duration <= 3600 or not 0 < args.connections <= 5000:
        sys.exit("slowloris.py: --duration must be in (0, 3600] and --connections in (0, 5000]")
    stats = Slots()
    deadline = time.monotonic() + args.duration
    slots = []
    for _ in range(args.connections):
        slots.append(asyncio.create_task(one_slot(args, stats, deadline)))
        await asyncio.sleep(0.001)  # ramp up over about a second, as an attacker would
    await asyncio.wait(slots, timeout=args.duration + 10)
    life = stats.lifetimes
    print(json.dumps({
        "mode": args.mode,
        "connections": args.connections,
        "opened": stats.opened,
        "max_open": stats.max_open,
        "connect_failures": stats.connect_failures,
        "closed_by_server": stats.closed_by_server,
        "lifetime_median_s": round(statistics.median(life), 2) if life else None,
        "lifetime_max_s": round(max(life), 2) if life else None,
    }))


if __name__ == "__main__":
    asyncio.run(main())
