"""What the loopback attack tools of tests/reliability share (hostile.py, slowloris.py): the
loopback-only rule, and connection slots that keep one connection after another open against the
service until a deadline, counting what happened to them. Imported, not run.
"""
import asyncio
import ipaddress
import sys
import time


def require_loopback(host, tool):
    """These tools attack what they are pointed at: only ever a service on this machine."""
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit(f"{tool}: refusing {host}: loopback only")


class Slots:
    """The figures of a set of slots: connections opened, open at once, refused, closed by the
    server (and how long those lived), and the status codes of the answers the server sent."""

    def __init__(self):
        self.opened = 0
        self.open_now = 0
        self.max_open = 0
        self.connect_failures = 0
        self.closed_by_server = 0
        self.lifetimes = []
        self.answers = {}

    def count_answer(self, data):
        if data.startswith(b"HTTP/1.1 "):
            code = data[9:12].decode(errors="replace")
            self.answers[code] = self.answers.get(code, 0) + 1


async def hold_slot(host, port, slots, deadline, use, pause=0.0):
    """Until the deadline: opens a connection (a failure to connect within 5 s is counted and
    retried after 0.2 s), lets `use(reader, writer)` work on it, closes it, waits `pause` seconds.
    `use` returns True when the server closed the connection (or answered): that is counted, with
    how long the connection lived."""
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout=5)
        except (OSError, asyncio.TimeoutError):
            slots.connect_failures += 1
            await asyncio.sleep(0.2)
            continue
        slots.opened += 1
        slots.open_now += 1
        slots.max_open = max(slots.max_open, slots.open_now)
        started = time.monotonic()
        closed = False
        try:
            closed = await use(reader, writer)
        except (ConnectionError, OSError):
            closed = True
        finally:
            slots.open_now -= 1
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        if closed:
            slots.closed_by_server += 1
            slots.lifetimes.append(time.monotonic() - started)
        if pause:
            await asyncio.sleep(pause)
