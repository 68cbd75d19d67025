#!/usr/bin/env python3
"""Writer and checker for the crash-durability test (scripts/reliability/crash.sh), loopback only.

write:  THREADS writers POST comments to one content id as fast as they can, each recording
        every acknowledged comment (id and text) in FILE, until the service dies or DURATION ends.
verify: reads the whole content back, page by page, and checks that every comment recorded in
        the FILEs is there with the same id and text. Prints one JSON object; exit 1 on a loss.
"""
import argparse
import http.client
import json
import re
import sys
import threading
import time

CONTENT = "crash"


def writer(port, path, tag, deadline, counts, index):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    seq = 0
    with open(path, "a", encoding="utf-8") as out:
        while time.monotonic() < deadline:
            seq += 1
            text = f"{tag}-{index}-{seq}"
            body = json.dumps({"email": "crash@example.com", "comment": text, "content_id": CONTENT})
            try:
                conn.request("POST", "/api/comment/new", body, {"Content-Type": "application/json"})
                res = conn.getresponse()
                data = res.read()
            except (OSError, http.client.HTTPException):
                return  # the service is gone: what was acknowledged is recorded
            if res.status == 200:
                out.write(f"{json.loads(data)['id']}\t{text}\n")
                out.flush()
                counts[index] += 1


def read_all(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    found = {}
    target = f"/api/comment/list/{CONTENT}?limit=1000"
    for _ in range(100000):
        conn.request("GET", target)
        res = conn.getresponse()
        body = res.read()
        if res.status == 404:
            break
        if res.status != 200:
            sys.exit(f"crash_writer.py: GET {target} answered {res.status}")
        for c in json.loads(body):
            found[c["id"]] = c["comment"]
        link = re.match(r"<([^>]*)>", res.getheader("Link") or "")
        if not link:
            break
        target = link.group(1)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("--port", type=int, required=True)
    w.add_argument("--out", required=True)
    w.add_argument("--tag", required=True)
    w.add_argument("--threads", type=int, default=8)
    w.add_argument("--duration", type=float, default=30)
    v = sub.add_parser("verify")
    v.add_argument("--port", type=int, required=True)
    v.add_argument("files", nargs="+")
    args = parser.parse_args()

    if args.command == "write":
        deadline = time.monotonic() + min(args.duration, 600)
        counts = [0] * args.threads
        threads = [threading.Thread(target=writer, args=(args.port, args.out, args.tag, deadline, counts, i))
                   for i in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(json.dumps({"acknowledged": sum(counts)}))
        return
    found = read_all(args.port)
    acked = {}
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                ident, text = line.rstrip("\n").split("\t", 1)
                acked[int(ident)] = text
    missing = [i for i, t in acked.items() if found.get(i) != t]
    print(json.dumps({"acknowledged": len(acked), "stored": len(found), "missing": len(missing),
                      "first_missing": sorted(missing)[:5]}))
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
