#!/usr/bin/env python3
"""Checks the names and figures README.md and docs/*.md quote against their one source.

- Metric names: every `http_…`, `comments_…`, `storage_…`, `list_cache_…` or `process_…` word
  must be a family the built comments-service exports on /metrics (scraped after a few requests,
  so that labelled families exist), a histogram's _bucket/_count/_sum, or a prefix of one
  (`process_*`); NOT_METRICS names the words of that shape that are something else.
- Alerts: a line naming an alert (Comments…) must name one of charts/comments/files/alerts.yaml
  (the rule file the chart's PrometheusRule and k8s/monitoring load), and the percentages,
  `for N min` and `N times` it quotes must be that rule's threshold and duration.
- History: a `commentsctl history` table shown in the docs must have the header the built
  commentsctl prints and its columns at the same places, the digest shortened the same way.
Settings tables are checked by scripts/settings.py (chart.settings), not here.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import examples  # noqa: E402  (the fresh service and the scratch copy)

METRIC_WORD = re.compile(r"\b(?:http|comments|storage|list_cache|process)_[a-z0-9_]*")
# Words of a metric's shape that name something else, with what they are.
NOT_METRICS = {
    "comments_by_content": "PostgreSQL index",
    "comments_changes": "PostgreSQL notification channel",
    "comments_notify_changes": "PostgreSQL trigger function",
    "comments_heartbeat_": "PostgreSQL heartbeat channel prefix",
    "comments_settings": "CMake target",
    "comments_v2": "example database role",
    "http_request_fuzz": "fuzz target",
}
ALERT_WORD = re.compile(r"\bComments[A-Z][A-Za-z]+")


def docs_pages(source):
    paths = [os.path.join(source, "README.md")] + sorted(glob.glob(os.path.join(source, "docs", "*.md")))
    return {os.path.relpath(p, source): open(p, encoding="utf-8").read() for p in paths}


# --- metrics -----------------------------------------------------------------------------------

def parse_exposition(text):
    names = set()
    for line in text.splitlines():
        m = re.match(r"# TYPE (\S+) (\S+)", line)
        if m:
            names.add(m.group(1))
            if m.group(2) in ("histogram", "summary"):
                names.update(m.group(1) + s for s in ("_bucket", "_count", "_sum"))
    return names


def exported_metrics(service_binary):
    with tempfile.TemporaryDirectory(prefix="docs-facts-") as tmp:
        service = examples.Service(service_binary, tmp)
        try:
            base = f"http://127.0.0.1:{service.port}"
            for path in ("/api/comment/list/1", "/healthz"):
                try:
                    urllib.request.urlopen(base + path, timeout=5).close()
                except urllib.error.HTTPError:
                    pass
            with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
                return parse_exposition(r.read().decode())
        finally:
            service.stop()


def metric_problems(pages, exported):
    problems = []
    for path, text in pages.items():
        for number, line in enumerate(text.split("\n"), 1):
            for word in METRIC_WORD.findall(line):
                if word in exported or word in NOT_METRICS:
                    continue
                if word.endswith("_") and any(e.startswith(word) for e in exported):
                    continue
                problems.append(f"{path}:{number}: {word} is not a metric comments-service exports "
                                f"(nor in NOT_METRICS of {os.path.basename(__file__)})")
    return problems


# --- alerts ------------------------------------------------------------------------------------

def duration_minutes(text):
    m = re.fullmatch(r"(\d+)([smh])", text)
    return int(m.group(1)) * {"s": 1 / 60, "m": 1, "h": 60}[m.group(2)]


def load_alerts(rules_path):
    alerts = {}
    with open(rules_path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    for group in doc["groups"]:
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            percents, counts = set(), set()
            for a, b in re.findall(r"(?:>=|>|<=|<|==)\s*\(?\s*([\d.]+)(?:\s*\*\s*([\d.]+))?", rule["expr"]):
                value = float(a) * (float(b) if b else 1)
                if 0 < value < 1:
                    percents.add(round(value * 100, 6))  # a ratio: quoted as a percentage
                else:
                    counts.add(value)
            alerts[rule["alert"]] = {
                "percents": percents,
                "counts": counts,
                "for": duration_minutes(rule["for"]) if "for" in rule else None,
            }
    return alerts


def alert_problems(pages, alerts):
    problems = []
    for path, text in pages.items():
        for number, line in enumerate(text.split("\n"), 1):
            names = set(ALERT_WORD.findall(line))
            if not names:
                continue
            where = f"{path}:{number}"
            unknown = names - alerts.keys()
            for n in sorted(unknown):
                problems.append(f"{where}: {n} is not an alert of charts/comments/files/alerts.yaml")
            known = [alerts[n] for n in names if n in alerts]
            if len(known) != 1:
                continue  # a line naming several alerts quotes no single threshold
            rule = known[0]
            for p in re.findall(r"(\d+(?:\.\d+)?)\s*%", line):
                if float(p) not in rule["percents"]:
                    problems.append(f"{where}: {p}% is not the alert's threshold "
                                    f"({', '.join(f'{x:g}%' for x in sorted(rule['percents'])) or 'none'})")
            for m in re.findall(r"\bfor (\d+) ?(?:min|minutes)\b", line):
                if rule["for"] is None or float(m) != rule["for"]:
                    actual = "unset" if rule["for"] is None else f"{rule['for']:g} min"
                    problems.append(f"{where}: 'for {m} min' but the alert's for: is {actual}")
            for m in re.findall(r"\b(\d+) times\b", line):
                if float(m) not in rule["counts"]:
                    problems.append(f"{where}: '{m} times' is not the alert's threshold")
    return problems


# --- history -----------------------------------------------------------------------------------

def real_history(ctl, source):
    """The header and one row as the built commentsctl prints them, from a pin it writes."""
    with tempfile.TemporaryDirectory(prefix="docs-history-") as tmp:
        examples.scratch_copy(source, tmp)
        digest = "sha256:" + "ab96c379cbcf" * 5 + "ab96"
        subprocess.run([ctl, "pin", "dev", "--tag", "0.1.0-5a141f4", "--digest", digest,
                        "--revision", "5a141f4"], cwd=tmp, check=True, capture_output=True)
        out = subprocess.run([ctl, "history", "dev"], cwd=tmp, check=True, capture_output=True,
                             text=True).stdout.splitlines()
    return out[0], out[1]


def column_starts(line):
    return [m.start() for m in re.finditer(r"(?:(?<=\s\s)|^)\S", line)]


def history_problems(pages, header, row):
    starts = column_starts(header)
    if column_starts(row)[: len(starts)] != starts:
        return [f"commentsctl history: its row {row!r} does not line up with its header {header!r}"]
    first_word = header.split()[0]
    short_digest = re.compile(r"^sha256:[0-9a-f]{12}$")
    problems = []
    for path, text in pages.items():
        lines = text.split("\n")
        for number, line in enumerate(lines, 1):
            if not line.startswith(first_word + " ") or "ACTION" not in line:
                continue
            if line.rstrip() != header.rstrip():
                problems.append(f"{path}:{number}: history header differs from commentsctl's:\n"
                                f"    {line}\n    {header}")
                continue
            for k in range(number, len(lines)):
                doc_row = lines[k]
                if not re.match(r"^\d{4}-\d\d-\d\dT", doc_row):
                    break
                if column_starts(doc_row)[: len(starts)] != starts:
                    problems.append(f"{path}:{k + 1}: history row not in commentsctl's columns:\n"
                                    f"    {doc_row}\n    {row}")
                    continue
                digest = doc_row[starts[3]:starts[4]].strip()
                if not short_digest.match(digest):
                    problems.append(f"{path}:{k + 1}: history DIGEST {digest!r} is not shortened as "
                                    f"commentsctl does (sha256: and 12 hex digits)")
                if "(current)" in doc_row and "  (current)" not in doc_row:
                    problems.append(f"{path}:{k + 1}: '(current)' must follow two spaces")
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--service", required=True, help="the comments-service binary")
    parser.add_argument("--ctl", required=True, help="the commentsctl binary")
    parser.add_argument("--source", default=".", help="the repository")
    args = parser.parse_args(argv)
    pages = docs_pages(args.source)
    exported = exported_metrics(os.path.abspath(args.service))
    alerts = load_alerts(os.path.join(args.source, "charts", "comments", "files", "alerts.yaml"))
    header, row = real_history(os.path.abspath(args.ctl), args.source)
    problems = (metric_problems(pages, exported) + alert_problems(pages, alerts)
                + history_problems(pages, header, row))
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(pages)} pages: {len(exported)} metric names, {len(alerts)} alerts, the history "
          f"format checked; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
