#!/usr/bin/env python3
"""Writes every copy of the service's settings table from the table itself.

    scripts/settings.py [--check] [--service BIN] [--root DIR]

The table is service/config/settings.cpp; `comments-service settings` prints it as JSON. From it:
  docs/settings.json                        the table, for tools (agreement.py, your own)
  docs/configuration.md                     the tables between the settings:begin/end markers
  README.md                                 the excerpt between settings:excerpt and settings:end
  charts/comments/values.schema.json        config.*, the values that hold a setting, image tags
                                            and digests
  charts/comments/templates/_helpers.tpl    the variables the chart sets itself
and charts/comments/values.yaml must give those values the service's defaults (checked only: it is
written by people, with comments).

--check writes nothing and exits 1 naming each stale file; tests/chart/settings.bats runs it.
--service defaults to build/dev/bin/comments-service; --root to this checkout.
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys
from decimal import Decimal

import yaml

SCHEMA = "charts/comments/values.schema.json"
HELPERS = "charts/comments/templates/_helpers.tpl"
VALUES = "charts/comments/values.yaml"
# Chart values in the format of a shared format; empty means "not set" there.
CHART_FORMATS = {
    "image.tag": "imageTag",
    "image.digest": "digest",
    "tests.image.tag": "imageTag",
    "tests.image.digest": "digest",
}
# What `takes` says of each format in the documentation's table.
TAKES = {
    "duration": "duration",
    "positive duration": "duration > 0",
    "size": "size",
    "positive size": "size > 0",
    "decimal": "number",
    "boolean": "`true`, `false`",
    "text": "path",
    "address": "IP address",
    "storage URL": "storage URL",
    "origins": "origins, `*` or empty",
    "optional digest": "digest or empty",
    "optional port": "0 to 65535 or empty",
}


def code(text):
    return f"`{text}`" if text else "(none)"


def takes(s):
    if s.get("choices"):
        return ", ".join(code(c) for c in s["choices"])
    if s["format"] == "integer":
        return f"{s['integers']['minimum']} to {s['integers']['maximum']}"
    return TAKES[s["format"]]


def cell(text):
    """Text for a Markdown table cell: no column breaks, no HTML tags (`<path>`)."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def source(src):
    if src is None:
        return "under `config`"
    how = "" if src["verbatim"] else " (derived)"
    where = " of the release pin" if src.get("pin") else ""
    return f"`{src['key']}`{where}{how}"


def configuration_tables(table):
    rows = [
        "| flag | environment | default | takes | meaning |",
        "|---|---|---|---|---|",
    ]
    for s in table["settings"]:
        rows.append(f"| `{s['flag']}` | `{s['env']}` | {code(s['default'])} | {takes(s)} | "
                    f"{cell(s['help'])} |")
    rows += ["", "Formats:", ""]
    seen = set()
    for s in table["settings"]:
        if s["format"] not in seen and not s.get("choices") and s["format"] != "integer":
            seen.add(s["format"])
            rows.append(f"- {takes(s)}: {cell(s['expected'])}.")
    rows += [
        "",
        "Where the deployment spec (`k8s/comments.yaml`, [spec.md](spec.md)) and the Helm chart "
        "([helm.md](helm.md)) set a setting from a key of their own; every other setting goes "
        "under their `config` mapping, checked in the same format. \"Derived\": the key does not "
        "hold the value in the setting's format (a storage backend; a port from 1 to 65535). \"Of the "
        "release pin\": `commentsctl render` takes it from the environment's pin "
        "(`k8s/releases/<env>.yaml`, written by `commentsctl pin` and promote), not the spec.",
        "",
        "| environment | spec key | chart value |",
        "|---|---|---|",
    ]
    for s in table["settings"]:
        if s["spec"] or s["chart"]:
            rows.append(f"| `{s['env']}` | {source(s['spec'])} | {source(s['chart'])} |")
    return "\n".join(rows) + "\n"


def excerpt(table, names):
    by_env = {s["env"]: s for s in table["settings"]}
    missing = [n for n in names if n not in by_env]
    if missing:
        sys.exit(f"README.md: the settings excerpt names unknown settings: {', '.join(missing)}")
    rows = ["| flag | environment | default | meaning |", "|---|---|---|---|"]
    for n in names:
        s = by_env[n]
        rows.append(f"| `{s['flag']}` | `{s['env']}` | {code(s['default'])} | {cell(s['help'])} |")
    return "\n".join(rows) + "\n"


def splice(text, path, begin_re, end_marker, make):
    """Replaces what lies between the line matching begin_re and the end marker line."""
    match = re.search(begin_re, text, re.M)
    end = text.find(end_marker, match.end() if match else 0)
    if not match or end < 0:
        sys.exit(f"{path}: markers not found ({begin_re} … {end_marker})")
    return text[:match.end()] + "\n" + make(match) + text[end:]


def json_schema(fmt, description):
    out = {}
    if fmt.get("choices"):
        out["type"] = "string"
    else:
        types = ["string"]
        if fmt.get("integers"):
            types.insert(0, "number" if fmt.get("decimals") else "integer")
        if fmt.get("booleans"):
            types.insert(0, "boolean")
        out["type"] = types if len(types) > 1 else "string"
    if description:
        out["description"] = description
    if fmt.get("choices"):
        out["enum"] = fmt["choices"]
    else:
        out["pattern"] = f"^(?:{fmt['pattern']})$"
    if fmt.get("integers"):
        out["minimum"] = fmt["integers"]["minimum"]
        out["maximum"] = fmt["integers"]["maximum"]
        if fmt.get("decimals"):
            # Helm's validator compares these exactly (as decimal fractions, not floats).
            step = Decimal(1).scaleb(-fmt["decimals"])
            out["maximum"] = float(fmt["integers"]["maximum"] + 1 - step)
            out["multipleOf"] = float(step)
    return out


def schema_node(schema, dotted):
    node = schema
    for key in dotted.split("."):
        node = node["properties"][key]
    return node


def replace_node(schema, dotted, new):
    parts = dotted.split(".")
    parent = schema_node(schema, ".".join(parts[:-1])) if len(parts) > 1 else schema
    parent["properties"][parts[-1]] = new


def chart_schema(text, table):
    schema = json.loads(text)
    config = {
        "type": "object",
        "description": "Further service settings by environment variable "
                       "(docs/configuration.md); the ones the chart sets itself are refused.",
        "additionalProperties": False,
        "properties": {},
    }
    for s in table["settings"]:
        if s["chart"]:
            config["properties"][s["env"]] = {
                "description": f"Set by the chart from {s['chart']['key']}; refused here."}
        else:
            config["properties"][s["env"]] = json_schema(s, s["help"])
        if s["chart"] and s["chart"]["verbatim"]:
            old = schema_node(schema, s["chart"]["key"])
            replace_node(schema, s["chart"]["key"], json_schema(s, old.get("description")))
    schema["properties"]["config"] = config
    for dotted, name in CHART_FORMATS.items():
        fmt = dict(table["formats"][name])
        fmt["pattern"] = f"(?:{fmt['pattern']})?"  # empty: not set
        old = schema_node(schema, dotted)
        replace_node(schema, dotted, json_schema(fmt, old.get("description")))
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def helpers(text, table):
    def make(_):
        lines = [f"{s['env']}: {s['chart']['key']}" for s in table["settings"] if s["chart"]]
        return ("{{- define \"comments.managedSettings\" -}}\n" + "\n".join(lines) +
                "\n{{- end }}\n")
    return splice(text, HELPERS, r"^\{\{- /\* settings:begin .*\*/ -?\}\}$",
                  "{{- /* settings:end */ -}}", make)


def value_at(values, dotted):
    node = values
    for key in dotted.split("."):
        node = node[key]
    return node


def chart_default_problems(root, table):
    values = yaml.safe_load(open(os.path.join(root, VALUES), encoding="utf-8"))
    problems = []
    for s in table["settings"]:
        if s["chart"] and s["chart"]["verbatim"]:
            v = value_at(values, s["chart"]["key"])
            if str(v) != s["default"]:
                problems.append(f"{VALUES}: {s['chart']['key']} is {v!r}, but the service's "
                                f"default for {s['env']} is {s['default']!r}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when stale")
    parser.add_argument("--service", help="the comments-service binary")
    parser.add_argument("--root", help="the checkout to write (default: this one)")
    args = parser.parse_args()
    root = args.root or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    service = args.service or os.path.join(root, "build/dev/bin/comments-service")
    if not os.access(service, os.X_OK):
        sys.exit(f"settings.py: {service} not found: build it (cmake --build --preset dev "
                 "--target comments-service) or pass --service")
    table = json.loads(subprocess.run([service, "settings"], check=True, capture_output=True,
                                      text=True).stdout)

    generated = {
        "docs/settings.json": lambda _: json.dumps(table, indent=2, ensure_ascii=False) + "\n",
        "docs/configuration.md": lambda t: splice(
            t, "docs/configuration.md", r"^<!-- settings:begin .*-->$", "<!-- settings:end -->",
            lambda _: configuration_tables(table)),
        "README.md": lambda t: splice(
            t, "README.md", r"^<!-- settings:excerpt ([A-Z0-9_ ]+) .*-->$",
            "<!-- settings:end -->", lambda m: excerpt(table, m.group(1).split())),
        SCHEMA: lambda t: chart_schema(t, table),
        HELPERS: lambda t: helpers(t, table),
    }
    stale = []
    for path, make in generated.items():
        full = os.path.join(root, path)
        old = open(full, encoding="utf-8").read() if os.path.exists(full) else ""
        new = make(old)
        if new == old:
            continue
        stale.append(path)
        if args.check:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), new.splitlines(True), f"{path} (committed)",
                f"{path} (from the settings table)", n=1))
        else:
            with open(full, "w", encoding="utf-8") as f:
                f.write(new)
    problems = chart_default_problems(root, table)
    for p in problems:
        print(p, file=sys.stderr)
    if args.check and stale:
        print(f"stale: {', '.join(stale)}; run scripts/settings.py", file=sys.stderr)
    elif stale:
        print(f"wrote {', '.join(stale)}")
    return 1 if problems or (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
