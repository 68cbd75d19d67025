#!/usr/bin/env python3
"""Cross-replica staleness sampler for scripts/bench.sh --replicas 2.

One sample: read the other replica's list of a content (so that replica has it cached; a
content without comments first gets one, untimed), POST a comment with a unique text to the
writing replica, take the time its 200 arrives, then poll the reading replica's list of that
content back to back until the comment is in it; the sample is the time from the 200 to the
arrival of the first list that holds the comment (an upper bound).
Samples go one after another, so the writing replica takes a steady stream of writes. Each line
of --out is one sample in microseconds; stdout gets "SAMPLES SECONDS" when done.
Runs for --seconds, and on until --min-samples; fails if a comment is not seen within 5 s.
"""
import argparse
import http.client
import json
import os
import sys
import time

DEADLINE_S = 5.0


def seconds(text):
    units = {"s": 1, "m": 60, "h": 3600}
    if text and text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text)


def request(conn, method, path, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    conn.request(method, path, body=body, headers=headers)
    res = conn.getresponse()
    return res.status, res.read()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--write-port", type=int, required=True, help="replica taking the POSTs")
    p.add_argument("--read-port", type=int, required=True, help="replica whose list is polled")
    p.add_argument("--seconds", type=seconds, required=True, help="how long to sample (5, 3s, 1m)")
    p.add_argument("--min-samples", type=int, default=0, help="keep on until this many samples")
    p.add_argument("--first-content", type=int, default=1000, help="contents written: from this id")
    p.add_argument("--contents", type=int, default=100, help="… this many, in turn")
    p.add_argument("--out", required=True, help="file the samples are appended to")
    a = p.parse_args()

    writer = http.client.HTTPConnection("127.0.0.1", a.write_port, timeout=DEADLINE_S)
    reader = http.client.HTTPConnection("127.0.0.1", a.read_port, timeout=DEADLINE_S)

    def post(content, text):
        body = json.dumps({"email": "bench@example.com", "comment": text, "content_id": content})
        status, _ = request(writer, "POST", "/api/comment/new", body)
        if status not in (200, 201):
            sys.exit(f"staleness.py: POST on port {a.write_port} answered {status}")
        return time.monotonic()

    def seen(path, text, acked):  # polls the reader's list back to back; the arrival time
        needle = text.encode()
        while True:
            status, listed = request(reader, "GET", path)
            now = time.monotonic()
            if status == 200 and needle in listed:
                return now
            if status not in (200, 404):
                sys.exit(f"staleness.py: GET {path} on port {a.read_port} answered {status}")
            if now - acked > DEADLINE_S:
                sys.exit(f"staleness.py: {text} acknowledged on port {a.write_port} is not in "
                         f"{path} on port {a.read_port} after {DEADLINE_S:.0f} s")

    start = time.monotonic()
    n = 0
    with open(a.out, "a", encoding="utf-8") as out:
        while time.monotonic() - start < a.seconds or n < a.min_samples:
            content = a.first_content + n % a.contents
            path = f"/api/comment/list/{content}"
            text = f"staleness-{os.getpid()}-{n}"
            # The reader caches the list now; a content without comments (404) first gets one,
            # untimed, so that every sample is timed against a cached list.
            status, _ = request(reader, "GET", path)
            if status == 404:
                seen(path, text + "-seed", post(content, text + "-seed"))
            acked = post(content, text)
            out.write(f"{(seen(path, text, acked) - acked) * 1e6:.0f}\n")
            n += 1
    print(n, f"{time.monotonic() - start:.3f}")


if __name__ == "__main__":
    main()
