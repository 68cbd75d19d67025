#!/usr/bin/env python3
"""Lists the metric names the PromQL expressions of Grafana dashboards (JSON) and Prometheus rule
files (YAML) query, and fails when one is not in the list of exported metrics.

    promql_metrics.py --allowed exported-metrics.txt FILE...

Prints "FILE: unknown metric NAME in: EXPR" per problem and exits 1 when there is any; prints the
metrics each file uses otherwise. Names defined by recording rules of the same file count as known.
"""
import argparse
import json
import re
import sys

import yaml

KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
            "group_left", "group_right", "inf", "nan", "atan2"}


def metric_names(expr):
    """Metric names in one PromQL expression (or Grafana variable query)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)           # string literals
    text = re.sub(r"\{[^}]*\}", "", text)                       # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)                      # range and subquery windows
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\$\{?\w+\}?", "", text)                     # Grafana variables
    text = re.sub(r"\blabel_values\s*\(([^,()]*),[^)]*\)", r"\1", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in KEYWORDS:
            continue
        names.add(name)
    return names


def expressions(path):
    """(expr, defined recording-rule names) of a dashboard or rule file."""
    with open(path, encoding="utf-8") as f:
        if path.endswith(".json"):
            doc = json.load(f)
        else:
            doc = yaml.safe_load(f)
    exprs, recorded = [], set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("expr", "definition") and isinstance(value, str):
                    exprs.append(value)
                elif key == "query" and isinstance(value, str) and "(" in value:
                    exprs.append(value)
                elif key == "record" and isinstance(value, str):
                    recorded.add(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(doc)
    return exprs, recorded


def allowed_names(path):
    names = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            names.add(fields[0])
            if fields[1:] == ["histogram"]:
                names.update(fields[0] + suffix for suffix in ("_bucket", "_count", "_sum"))
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allowed", required=True, help="file listing the exported metrics")
    parser.add_argument("files", nargs="+", help="dashboard JSON or rule YAML files")
    args = parser.parse_args()
    allowed = allowed_names(args.allowed)
    problems = 0
    for path in args.files:
        exprs, recorded = expressions(path)
        if not exprs:
            print(f"{path}: no PromQL expressions found")
            problems += 1
            continue
        used = set()
        for expr in exprs:
            for name in sorted(metric_names(expr)):
                used.add(name)
                if name not in allowed and name not in recorded:
                    one_line = " ".join(expr.split())
                    print(f"{path}: unknown metric {name} in: {one_line}")
                    problems += 1
        print(f"{path}: {len(exprs)} expressions use {' '.join(sorted(used))}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
